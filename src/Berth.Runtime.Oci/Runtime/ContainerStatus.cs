namespace Berth.Runtime.Oci.Runtime;

/// <summary>A point-in-time view of one container, everything the kubelet's containerStatuses need.</summary>
public sealed record ContainerStatus
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public string? SandboxId { get; init; }

    public required ContainerState State { get; init; }

    /// <summary>The init process's host pid while created or running.</summary>
    public int? Pid { get; init; }

    /// <summary>Set when <see cref="State"/> is Exited: the process's code, 128 + signal when killed (137 for SIGKILL/OOM).</summary>
    public int? ExitCode { get; init; }

    /// <summary>Kubernetes' terminated reasons: <c>Completed</c> (0), <c>Error</c>, <c>OOMKilled</c>, or <c>Unknown</c> when the exit was not recorded (shim killed, host rebooted).</summary>
    public string? Reason { get; init; }

    public string? Message { get; init; }

    /// <summary>The kernel OOM killer killed a process of this container (cgroup memory.oom_control / conmon's oom file).</summary>
    public bool OomKilled { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public required string LogPath { get; init; }

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>The shim (conmon) process, null once it has gone.</summary>
    public int? ShimPid { get; init; }

    /// <summary>The container's cgroup path (the same in every hierarchy).</summary>
    public required string CgroupsPath { get; init; }
}
