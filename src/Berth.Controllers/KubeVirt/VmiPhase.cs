namespace Berth.Controllers.KubeVirt;

/// <summary>
/// The phases of a VirtualMachineInstance (kubevirt.io/v1 <c>VirtualMachineInstancePhase</c>) as Berth drives them
/// from the VMI's pod:
/// <code>
///   "" / Pending ──pod created──▶ Scheduling ──pod bound to a node──▶ Scheduled ──compute container running──▶ Running
///        │                              │                                  │                                    │
///        └──────────────────────────────┴──── pod gone unexpectedly ───────┴────────────────────────────────────┤
///                                                                                                     ▼         ▼
///                                                       Failed (pod Failed, QEMU killed or crashed)   Succeeded (the guest powered off)
/// </code>
/// Succeeded and Failed are final: a VMI never runs again; a VirtualMachine makes a new one.
/// </summary>
public static class VmiPhase
{
    public const string Pending = "Pending";
    public const string Scheduling = "Scheduling";
    public const string Scheduled = "Scheduled";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    public static bool IsFinal(string? phase) => phase is Succeeded or Failed;

    /// <summary>Not yet given to the node (KubeVirt's <c>IsUnprocessed</c>).</summary>
    public static bool IsUnprocessed(string? phase) => string.IsNullOrEmpty(phase) || phase == Pending;

    /// <summary>Order of progress; a VMI never goes back to an earlier phase.</summary>
    public static int Rank(string? phase) => phase switch
    {
        Scheduling => 1,
        Scheduled => 2,
        Running => 3,
        Succeeded or Failed => 4,
        _ => 0,
    };
}
