using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.KubeVirt;

/// <summary>
/// A VirtualMachine's run strategy (kubevirt.io/v1 <c>VirtualMachineRunStrategy</c>) and its state change requests,
/// as KubeVirt reads them (<c>vm.RunStrategy()</c>, <c>hasStartRequest</c>, <c>hasStopRequestForVMI</c>):
/// <list type="table">
/// <item><term>Always</term><description>a VMI always exists; a final one is replaced (restart)</description></item>
/// <item><term>RerunOnFailure</term><description>a VMI is replaced when it fails, not when the guest shut down</description></item>
/// <item><term>Manual</term><description>VMIs come and go only through start/stop/restart requests</description></item>
/// <item><term>Halted</term><description>no VMI</description></item>
/// <item><term>Once</term><description>one VMI, never replaced</description></item>
/// </list>
/// The legacy <c>spec.running</c> maps to Always (true) and Halted (false); neither field means Halted.
/// </summary>
public static class VmRunStrategy
{
    public const string Always = "Always";
    public const string RerunOnFailure = "RerunOnFailure";
    public const string Manual = "Manual";
    public const string Halted = "Halted";
    public const string Once = "Once";

    public const string StartAction = "Start";
    public const string StopAction = "Stop";

    public static string Of(JsonObject vm)
    {
        if (Json.String(vm, "spec", "runStrategy") is { Length: > 0 } strategy)
        {
            return strategy;
        }

        return Json.Bool(vm, "spec", "running") == true ? Always : Halted;
    }

    /// <summary>The first of <c>status.stateChangeRequests</c> (only the first is acted upon at a time).</summary>
    public static JsonObject? FirstRequest(JsonObject vm) => Json.Array(vm, "status", "stateChangeRequests")?.OfType<JsonObject>().FirstOrDefault();

    public static bool HasStartRequest(JsonObject vm) => Json.String(FirstRequest(vm), "action") == StartAction;

    public static bool HasStopRequestFor(JsonObject vm, JsonObject? vmi) =>
        vmi is not null && FirstRequest(vm) is { } r && Json.String(r, "action") == StopAction &&
        Json.String(r, "uid") is { } uid && uid == Json.String(vmi, "metadata", "uid");

    /// <summary>
    /// Whether the VM is meant to be running (KubeVirt's <c>isSetToStart</c>): Always yes, Halted no, Manual per its
    /// requests, RerunOnFailure unless the VMI succeeded, Once while no VMI has run.
    /// </summary>
    public static bool IsSetToStart(JsonObject vm, JsonObject? vmi) => Of(vm) switch
    {
        Always => true,
        Manual => vmi is not null ? !HasStopRequestFor(vm, vmi) : HasStartRequest(vm),
        RerunOnFailure => vmi is null || Json.String(vmi, "status", "phase") != VmiPhase.Succeeded,
        Once => vmi is null,
        _ => false,
    };
}
