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
    /// Memory allowed beyond guest RAM when the spec gives none. Measured here (bench/run vm-boot):
    /// QEMU under TCG uses ~25 MiB beyond the guest RAM it touched; the rest is headroom for the
    /// translation cache and I/O buffers.
    /// </summary>
    public int DefaultMemoryOverheadMiB { get; init; } = 64;

    /// <summary>TCG translation cache (<c>-accel tcg,tb-size=</c>) in MiB; bounds QEMU's memory under TCG. Null: QEMU's default (1 GiB, reserved lazily).</summary>
    public int? TcgTranslationCacheMiB { get; init; } = 64;

    public string CgroupRoot { get; init; } = "/sys/fs/cgroup";

    /// <summary>How long Create waits for QEMU's QMP socket.</summary>
    public TimeSpan CreateTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long Stop waits for QEMU to exit after <c>quit</c> before SIGKILL.</summary>
    public TimeSpan QuitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public KvmProbeOptions KvmProbe { get; init; } = new();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
