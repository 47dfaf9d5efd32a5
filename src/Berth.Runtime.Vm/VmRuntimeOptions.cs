using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Runtime.Vm;

public sealed record VmRuntimeOptions
{
    /// <summary>Required. Where VM state lives, one directory per VM (e.g. <c>DATA_DIR/vm</c>). Keep the path short: unix socket paths are limited to 107 bytes.</summary>
    public required string StateRoot { get; init; }

    public string QemuPath { get; init; } = "qemu-system-x86_64";

    public string QemuImgPath { get; init; } = "qemu-img";

    /// <summary>
    /// Memory allowed beyond guest RAM when the spec gives none (the cgroup limit is guest RAM +
    /// this). Measured here with bench/run vm-boot (TCG, kernel boot, 256 MiB guest): QEMU's RSS
    /// beyond the guest RAM it touched is ~70 MiB (translation cache up to
    /// <see cref="TcgTranslationCacheMiB"/>, the -kernel image held for fw_cfg, ~24 MiB of shared
    /// binary and libraries, heap), the shim ~1.6 MiB; the rest is headroom for I/O buffers and
    /// page cache, which the kernel reclaims before it OOM-kills.
    /// </summary>
    public int DefaultMemoryOverheadMiB { get; init; } = 96;

    /// <summary>
    /// TCG translation cache (<c>-accel tcg,tb-size=</c>) in MiB: QEMU fills it while the guest
    /// boots (~50 MiB for the example guest) and flushes it when full, so it bounds QEMU's memory
    /// under TCG at some cost in speed. Null: QEMU's default (1 GiB, touched lazily). Unused under KVM.
    /// </summary>
    public int? TcgTranslationCacheMiB { get; init; } = 32;

    public string CgroupRoot { get; init; } = "/sys/fs/cgroup";

    /// <summary>How long Create waits for QEMU's QMP socket.</summary>
    public TimeSpan CreateTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long Stop waits for QEMU to exit after <c>quit</c> before SIGKILL.</summary>
    public TimeSpan QuitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public KvmProbeOptions KvmProbe { get; init; } = new();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
