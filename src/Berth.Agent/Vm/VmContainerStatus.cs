using Berth.Runtime.Oci.Runtime;
using Berth.Runtime.Vm;

namespace Berth.Agent.Vm;

/// <summary>
/// A VM seen as a container, for the pod worker and the pod's <c>containerStatuses</c>. The exit code says whether the
/// guest powered off (0) or not (non-zero), as docs/kubevirt.md promises the KubeVirt controllers:
/// <list type="table">
/// <item><term>GuestShutdown, Stopped</term><description>0: the guest powered off (by itself, or on the ACPI power button)</description></item>
/// <item><term>StopTimeout, OOMKilled</term><description>137: like a container SIGKILLed after its grace period, or by the OOM killer</description></item>
/// <item><term>Killed</term><description>128 + the signal (137 for <c>kill -9</c> of QEMU)</description></item>
/// <item><term>Quit</term><description>143: QEMU told to quit by someone else (a signal, another QMP client)</description></item>
/// <item><term>Error</term><description>QEMU's own exit code (1 when it said 0)</description></item>
/// <item><term>Unknown</term><description>255: nothing recorded why QEMU went</description></item>
/// </list>
/// The terminated reason is the VM runtime's (<see cref="VmExitReasons"/>), its message the runtime's explanation.
/// </summary>
internal static class VmContainerStatus
{
    public static int ExitCode(VmStatus status) => status.Reason switch
    {
        VmExitReasons.GuestShutdown or VmExitReasons.Stopped => 0,
        VmExitReasons.StopTimeout or VmExitReasons.OomKilled => 137,
        VmExitReasons.Killed => status.ExitCode is >= 128 ? status.ExitCode.Value : 137,
        VmExitReasons.Quit => 143,
        VmExitReasons.Error => status.ExitCode is { } c and not 0 ? c : 1,
        _ => 255,
    };

    public static ContainerStatus From(VmStatus status, VmSpec? spec, IReadOnlyDictionary<string, string> annotations)
    {
        var exited = status.State == VmState.Exited;
        return new ContainerStatus
        {
            Id = status.Id,
            Name = annotations.GetValueOrDefault(Pods.ContainerAnnotations.ContainerName) ?? "compute",
            SandboxId = annotations.GetValueOrDefault(Pods.ContainerAnnotations.PodUid) ?? status.Id,
            State = status.State switch
            {
                VmState.Created => ContainerState.Created,
                VmState.Running => ContainerState.Running,
                _ => ContainerState.Exited,
            },
            Pid = status.Pid,
            ExitCode = exited ? ExitCode(status) : null,
            Reason = exited ? status.Reason : null,
            Message = exited ? status.Message : null,
            OomKilled = status.Reason == VmExitReasons.OomKilled,
            CreatedAt = status.CreatedAt,
            StartedAt = status.StartedAt,
            FinishedAt = status.FinishedAt,
            LogPath = spec?.ConsoleLogPath ?? "",
            Annotations = annotations,
            CgroupsPath = spec?.CgroupParent is { } parent ? $"{parent}/vm-{status.Id}" : "",
        };
    }
}
