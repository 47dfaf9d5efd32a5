namespace Berth.Api.KubeVirt;

/// <summary>
/// One virtio disk. <see cref="Source"/> says where its bytes come from:
/// <list type="bullet">
/// <item><c>containerDisk</c>: the file at <see cref="Path"/> in the compute container's image (null: the one file
///   under <c>/disk/</c>), behind a copy-on-write overlay: a fresh disk at every start;</item>
/// <item><c>emptyDisk</c>: a blank disk of <see cref="CapacityBytes"/>, made at start, gone with the VM;</item>
/// <item><c>persistentVolumeClaim</c>: the file <c>disk.img</c> at the root of the pod volume named <see cref="Volume"/>
///   (created sparse at the claim's capacity when missing, KubeVirt's convention for filesystem volumes): its contents
///   survive restarts.</item>
/// </list>
/// </summary>
public sealed record VmPodDisk
{
    public const string ContainerDiskSource = "containerDisk";
    public const string EmptyDiskSource = "emptyDisk";
    public const string PersistentVolumeClaimSource = "persistentVolumeClaim";

    /// <summary>The disk's name (the VMI's disk and volume name); the guest sees it as <c>/dev/disk/by-id/virtio-NAME</c>.</summary>
    public required string Name { get; init; }

    public required string Source { get; init; }

    public string? Path { get; init; }

    public long? CapacityBytes { get; init; }

    /// <summary>The pod volume holding the disk file (<c>persistentVolumeClaim</c>).</summary>
    public string? Volume { get; init; }

    public bool ReadOnly { get; init; }
}
