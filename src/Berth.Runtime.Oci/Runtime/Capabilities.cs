using System.Globalization;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Linux capability names and the set computation for <see cref="SecuritySpec"/>. The default set is
/// containerd's (pkg/oci/spec.go <c>defaultUnixCaps</c>), which Kubernetes clusters on containerd use;
/// adds are applied first, then drops, and <c>ALL</c> works on either side, as in containerd's
/// <c>WithCapabilities</c> + CRI <c>setOCICapabilities</c>.
/// </summary>
public static class Capabilities
{
    /// <summary>Capability names by number (capability.h); index = capability number.</summary>
    public static IReadOnlyList<string> Known { get; } =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>containerd's default set for unprivileged containers.</summary>
    public static IReadOnlyList<string> Default { get; } =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    /// <summary>Normalizes <c>net_raw</c>, <c>NET_RAW</c>, <c>CAP_NET_RAW</c> to <c>CAP_NET_RAW</c>; <c>ALL</c> stays <c>ALL</c>.</summary>
    public static string Normalize(string name)
    {
        var upper = name.Trim().ToUpperInvariant();
        if (upper == "ALL")
        {
            return upper;
        }

        var full = upper.StartsWith("CAP_", StringComparison.Ordinal) ? upper : "CAP_" + upper;
        if (!Known.Contains(full))
        {
            throw new ArgumentException($"unknown capability '{name}'", nameof(name));
        }

        return full;
    }

    /// <summary>
    /// The effective set for a container: privileged → everything in <paramref name="hostBounding"/>;
    /// otherwise default ∪ add − drop. Throws when an added capability is not in the host's bounding
    /// set (the runtime would fail with a less helpful EPERM).
    /// </summary>
    public static IReadOnlyList<string> Compute(SecuritySpec security, IReadOnlySet<string> hostBounding)
    {
        if (security.Privileged)
        {
            return Known.Where(hostBounding.Contains).ToList();
        }

        var add = security.CapAdd.Select(Normalize).ToHashSet(StringComparer.Ordinal);
        var drop = security.CapDrop.Select(Normalize).ToHashSet(StringComparer.Ordinal);
        var set = new List<string>();
        foreach (var cap in Known)
        {
            var inAdd = add.Contains("ALL") || add.Contains(cap);
            var explicitlyAdded = add.Contains(cap);
            var inDefault = Default.Contains(cap);
            var dropped = drop.Contains(cap) || (drop.Contains("ALL") && !explicitlyAdded);
            if ((inDefault || inAdd) && !dropped)
            {
                if (!hostBounding.Contains(cap))
                {
                    if (inDefault && !inAdd)
                    {
                        continue;
                    }

                    if (add.Contains("ALL"))
                    {
                        continue;
                    }

                    throw new ArgumentException($"capability {cap} is not in this host's bounding set, so no container can have it");
                }

                set.Add(cap);
            }
        }

        return set;
    }

    /// <summary>Reads the calling process's bounding set (CapBnd in /proc/self/status): the most a container can get.</summary>
    public static IReadOnlySet<string> HostBoundingSet()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("CapBnd:", StringComparison.Ordinal))
            {
                return FromMask(ulong.Parse(line["CapBnd:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return Known.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The names of the bits set in a capability mask as /proc/PID/status prints it.</summary>
    public static IReadOnlySet<string> FromMask(ulong mask)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Known.Count; i++)
        {
            if ((mask & (1UL << i)) != 0)
            {
                set.Add(Known[i]);
            }
        }

        return set;
    }
}
