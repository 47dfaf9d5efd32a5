namespace Berth.Runtime.Vm;

/// <summary>The persisted state of one VM (<see cref="VmPaths.RecordFile"/>): the spec and what Create decided.</summary>
public sealed record VmRecord
{
    public required VmSpec Spec { get; init; }

    public required Accelerator Accelerator { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public PodNetworkState? Network { get; init; }

    /// <summary>The cgroup directories holding the VM (empty without <see cref="VmSpec.CgroupParent"/>).</summary>
    public IReadOnlyList<string> CgroupDirectories { get; set; } = [];

    public long? MemoryLimitBytes { get; init; }
}
