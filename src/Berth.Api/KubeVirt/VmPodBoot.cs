namespace Berth.Api.KubeVirt;

/// <summary>
/// How the guest boots. <see cref="Kind"/> <c>kernel</c>: QEMU loads <see cref="KernelPath"/> (and
/// <see cref="InitrdPath"/>) from the compute container's image with <see cref="KernelArgs"/> (KubeVirt's
/// <c>firmware.kernelBoot</c>). <c>disk</c>: the BIOS boots the disk named <see cref="Disk"/>.
/// </summary>
public sealed record VmPodBoot
{
    public const string KernelKind = "kernel";
    public const string DiskKind = "disk";

    public required string Kind { get; init; }

    /// <summary>Path of the kernel inside the image (kernel boot).</summary>
    public string? KernelPath { get; init; }

    /// <summary>Path of the initrd inside the image (kernel boot); null: none.</summary>
    public string? InitrdPath { get; init; }

    /// <summary>The kernel command line (kernel boot); the VM runtime adds <c>console=ttyS0</c> unless it names a console.</summary>
    public string? KernelArgs { get; init; }

    /// <summary>The name of the boot disk in <see cref="VmPodSpec.Disks"/> (disk boot).</summary>
    public string? Disk { get; init; }
}
