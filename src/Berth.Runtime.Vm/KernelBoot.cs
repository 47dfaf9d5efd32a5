namespace Berth.Runtime.Vm;

/// <summary>
/// Direct kernel boot (<c>-kernel</c>/<c>-initrd</c>/<c>-append</c>), as KubeVirt's
/// <c>firmware.kernelBoot</c>. Paths are host paths into the (read-only) image; QEMU reads them
/// once at start. <c>console=ttyS0</c> is appended to <paramref name="Cmdline"/> unless it names a console.
/// </summary>
public sealed record KernelBoot(string KernelPath, string? InitrdPath = null, string? Cmdline = null) : VmBoot;
