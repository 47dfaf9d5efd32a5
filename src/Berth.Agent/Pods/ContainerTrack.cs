using Berth.Runtime.Oci.Runtime;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// What a pod worker knows about one container of its pod: the newest runtime instance and its observed status,
/// the previous instance's termination (<c>lastState</c>), why it is waiting, its restart count and probe results.
/// Owned by the worker's loop; probe workers only touch the probe fields (under the track's lock).
/// </summary>
internal sealed class ContainerTrack(string name, ContainerKind kind)
{
    public string Name { get; } = name;

    public ContainerKind Kind { get; } = kind;

    public V1Container? Spec { get; set; }

    /// <summary>The restart count of the current instance (the number of earlier instances).</summary>
    public int RestartCount { get; set; }

    /// <summary>The runtime id of the newest instance, null before the first start (or once it is removed).</summary>
    public string? CurrentId { get; set; }

    /// <summary>The newest instance's runtime status as last observed.</summary>
    public ContainerStatus? Instance { get; set; }

    /// <summary>The newest instance's termination once it has exited.</summary>
    public TerminatedInfo? Terminated { get; set; }

    /// <summary>The termination of the instance before the newest one.</summary>
    public TerminatedInfo? LastTermination { get; set; }

    /// <summary>Why the container does not run now (set by the last sync); null means the instance's state tells.</summary>
    public WaitingInfo? Waiting { get; set; }

    /// <summary>Normalised image reference and manifest digest of the newest instance (<c>image</c>, <c>imageID</c>).</summary>
    public string? ImageRef { get; set; }

    public string? ImageDigest { get; set; }

    /// <summary>The spec's image the newest instance was created from (an image update restarts the container).</summary>
    public string? SpecImage { get; set; }

    public string RuntimeName { get; set; } = "runc";

    public bool Running => Instance is { State: ContainerState.Running } && Terminated is null;

    public ProbeState Probes { get; } = new();
}

/// <summary>A container's <c>state.terminated</c>.</summary>
internal sealed record TerminatedInfo(int ExitCode, string Reason, string? Message, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string ContainerId);

/// <summary>A container's <c>state.waiting</c>.</summary>
internal sealed record WaitingInfo(string Reason, string? Message);

/// <summary>
/// Probe results of the current instance, as the kubelet's prober keeps them: readiness starts failed, liveness
/// starts successful, startup starts unknown (not started) when a startup probe exists.
/// </summary>
internal sealed class ProbeState
{
    private readonly Lock _lock = new();

    public string? InstanceId { get; private set; }

    public bool Started { get; private set; }

    public bool Ready { get; private set; }

    /// <summary>Set when liveness or startup failed: the message of the Killing event; the worker restarts the container.</summary>
    public string? KillReason { get; private set; }

    public void Reset(string instanceId, bool hasStartup, bool hasReadiness)
    {
        lock (_lock)
        {
            InstanceId = instanceId;
            Started = !hasStartup;
            Ready = !hasReadiness;
            KillReason = null;
        }
    }

    public bool SetStarted(string instanceId)
    {
        lock (_lock)
        {
            if (InstanceId != instanceId || Started)
            {
                return false;
            }

            Started = true;
            return true;
        }
    }

    public bool SetReady(string instanceId, bool ready)
    {
        lock (_lock)
        {
            if (InstanceId != instanceId || Ready == ready)
            {
                return false;
            }

            Ready = ready;
            return true;
        }
    }

    public bool SetKill(string instanceId, string reason)
    {
        lock (_lock)
        {
            if (InstanceId != instanceId || KillReason is not null)
            {
                return false;
            }

            KillReason = reason;
            Ready = false;
            return true;
        }
    }
}
