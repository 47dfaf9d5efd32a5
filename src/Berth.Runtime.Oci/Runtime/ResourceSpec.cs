namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// cgroup placement and limits. The container's cgroup is <c>{CgroupParent}/{Id}</c> in every
/// mounted hierarchy (cgroup v1 here: /sys/fs/cgroup/memory/berth/pod.../ID). The kubelet's
/// translation of requests/limits is mirrored by <see cref="FromKubernetes"/>.
/// </summary>
public sealed record ResourceSpec
{
    /// <summary>Absolute cgroup path of the parent, e.g. <c>/berth/pod&lt;uid&gt;</c>. Empty ancestors below <c>/berth</c> are removed with the container.</summary>
    public string CgroupParent { get; init; } = "/berth";

    /// <summary>memory.limit_in_bytes; swap is limited to the same value (no swap), as containerd does. Null: unlimited.</summary>
    public long? MemoryLimitBytes { get; init; }

    /// <summary>cpu.shares (relative weight; the kubelet gives requests.cpu × 1024, at least 2). Null: the default 1024.</summary>
    public ulong? CpuShares { get; init; }

    /// <summary>cpu.cfs_quota_us (limits.cpu × period). Null: unlimited.</summary>
    public long? CpuQuotaMicros { get; init; }

    /// <summary>cpu.cfs_period_us. Null: the kernel default 100000.</summary>
    public ulong? CpuPeriodMicros { get; init; }

    /// <summary>pids.max. Null: unlimited.</summary>
    public long? PidsLimit { get; init; }

    /// <summary>
    /// The kubelet's mapping (pkg/kubelet/cm/helpers_linux.go): shares = max(2, milliCpuRequest × 1024 / 1000),
    /// quota = milliCpuLimit × period / 1000 with a 1 ms floor, period 100 ms; memory limit as given.
    /// </summary>
    public static ResourceSpec FromKubernetes(string cgroupParent, long? milliCpuRequest, long? milliCpuLimit, long? memoryLimitBytes, long? pidsLimit = null)
    {
        const ulong period = 100_000;
        ulong? shares = milliCpuRequest is { } req ? (ulong)Math.Max(2, req * 1024 / 1000) : (milliCpuLimit is { } l ? (ulong)Math.Max(2, l * 1024 / 1000) : 2UL);
        long? quota = milliCpuLimit is { } lim ? Math.Max(1000, lim * (long)period / 1000) : null;
        return new ResourceSpec
        {
            CgroupParent = cgroupParent,
            CpuShares = shares,
            CpuQuotaMicros = quota,
            CpuPeriodMicros = quota is null ? null : period,
            MemoryLimitBytes = memoryLimitBytes,
            PidsLimit = pidsLimit,
        };
    }
}
