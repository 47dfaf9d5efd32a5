namespace Berth.Runtime.Vm;

/// <summary>One virtio-blk disk. Use the factories: <see cref="Overlay"/>, <see cref="Direct"/>, <see cref="Empty"/>.</summary>
public sealed record VmDisk
{
    /// <summary>Required; unique within the VM; [a-z0-9-]. Becomes the virtio serial, so the guest sees it under /dev/disk/by-id/virtio-NAME.</summary>
    public required string Name { get; init; }

    public required VmDiskKind Kind { get; init; }

    /// <summary>The base image (<see cref="VmDiskKind.Overlay"/>) or the disk file (<see cref="VmDiskKind.Direct"/>). Absolute.</summary>
    public string? Path { get; init; }

    /// <summary>Size of an <see cref="VmDiskKind.Empty"/> disk.</summary>
    public long SizeBytes { get; init; }

    public bool ReadOnly { get; init; }

    public static VmDisk Overlay(string name, string basePath) => new() { Name = name, Kind = VmDiskKind.Overlay, Path = basePath };

    public static VmDisk Direct(string name, string path, bool readOnly = false) => new() { Name = name, Kind = VmDiskKind.Direct, Path = path, ReadOnly = readOnly };

    public static VmDisk Empty(string name, long sizeBytes) => new() { Name = name, Kind = VmDiskKind.Empty, SizeBytes = sizeBytes };
}
