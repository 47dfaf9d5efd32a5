namespace Berth.Runtime.Vm;

public sealed record KvmProbeOptions
{
    public string DevicePath { get; init; } = "/dev/kvm";

    /// <summary>The kernel the probe boots; null: the newest <c>/boot/vmlinuz-*</c> (Debian's linux-image-amd64, a host package).</summary>
    public string? KernelPath { get; init; }

    /// <summary>A working KVM boots a kernel to its root mount in well under a second; nested PVM here hangs forever.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(8);
}
