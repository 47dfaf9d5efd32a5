namespace Berth.Runtime.Vm;

/// <summary>Everything <see cref="QemuCommandLine.Build"/> turns into arguments.</summary>
public sealed record QemuLaunch(
    VmSpec Spec,
    VmPaths Paths,
    Accelerator Accelerator,
    IReadOnlyList<ResolvedDisk> Disks,
    string? SeedImage,
    string? TapName,
    string? GuestMac,
    int? TcgTranslationCacheMiB);
