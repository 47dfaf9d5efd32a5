using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Turns a <see cref="ContainerSpec"/> into an OCI runtime-spec 1.0.2 <c>config.json</c>
/// (https://github.com/opencontainers/runtime-spec/blob/v1.0.2/config.md, config-linux.md).
/// Defaults mirror <c>runc spec</c> and containerd's default Linux spec: the same base mounts,
/// masked and read-only paths, a deny-all device cgroup (runtimes add /dev/null, zero, full,
/// random, urandom, tty, ptmx themselves), and no seccomp profile.
/// </summary>
public static partial class OciSpecBuilder
{
    public const string OciVersion = "1.0.2";

    /// <summary>Used when the spec has no PATH (containerd's <c>defaultUnixEnv</c>).</summary>
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary><c>runc spec</c>'s masked paths.</summary>
    public static IReadOnlyList<string> MaskedPaths { get; } =
    [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
    ];

    /// <summary><c>runc spec</c>'s read-only paths.</summary>
    public static IReadOnlyList<string> ReadonlyPaths { get; } =
    [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ];

    /// <summary>Ids name directories and cgroups: keep them to what runc accepts and shells do not mangle.</summary>
    public static bool IsValidId(string id) => id.Length is > 0 and <= 64 && IdPattern().IsMatch(id);

    /// <summary>The cgroups path a container gets: <c>{parent}/{id}</c>.</summary>
    public static string CgroupsPath(ContainerSpec spec) => spec.Resources.CgroupParent.TrimEnd('/') + "/" + spec.Id;

    /// <summary>Builds config.json for a bundle whose root filesystem is the directory <paramref name="rootfsPath"/> (absolute or relative to the bundle).</summary>
    public static JsonObject Build(ContainerSpec spec, string rootfsPath, IReadOnlySet<string> hostBoundingCaps, IReadOnlyList<HostDevice>? hostDevices = null)
    {
        Validate(spec);
        var caps = Capabilities.Compute(spec.Security, hostBoundingCaps);
        var config = new JsonObject
        {
            ["ociVersion"] = OciVersion,
            ["process"] = BuildProcess(spec.Process, caps, spec.Security.NoNewPrivileges),
            ["root"] = new JsonObject { ["path"] = rootfsPath, ["readonly"] = spec.Security.ReadOnlyRootfs },
        };
        if (spec.Hostname is { Length: > 0 } hostname)
        {
            config["hostname"] = hostname;
        }

        config["mounts"] = BuildMounts(spec);
        var annotations = new JsonObject();
        foreach (var (k, v) in spec.Annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            annotations[k] = v;
        }

        config["annotations"] = annotations;
        config["linux"] = BuildLinux(spec, hostDevices);
        return config;
    }

    /// <summary>The process section; also the base of an exec's process.json (same capabilities and privileges).</summary>
    public static JsonObject BuildProcess(ProcessSpec process, IReadOnlyList<string> caps, bool noNewPrivileges)
    {
        var env = process.Env.ToList();
        if (!env.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            env.Insert(0, DefaultPath);
        }

        var user = new JsonObject { ["uid"] = process.User.Uid, ["gid"] = process.User.Gid };
        if (process.User.AdditionalGids is { Count: > 0 } gids)
        {
            user["additionalGids"] = new JsonArray(gids.Select(g => (JsonNode)JsonValue.Create(g)).ToArray());
        }

        var node = new JsonObject
        {
            ["terminal"] = process.Tty,
            ["user"] = user,
            ["args"] = StringArray(process.Args),
            ["env"] = StringArray(env),
            ["cwd"] = process.WorkingDir,
            ["capabilities"] = new JsonObject
            {
                ["bounding"] = StringArray(caps),
                ["effective"] = StringArray(caps),
                ["permitted"] = StringArray(caps),
            },
            ["noNewPrivileges"] = noNewPrivileges,
        };
        if (process.OomScoreAdj is { } adj)
        {
            node["oomScoreAdj"] = adj;
        }

        return node;
    }

    private static void Validate(ContainerSpec spec)
    {
        if (!IsValidId(spec.Id))
        {
            throw new ArgumentException($"container id '{spec.Id}' must be 1-64 characters of letters, digits, '_', '.', '-', starting with a letter or digit");
        }

        if (spec.Process.Args.Count == 0)
        {
            throw new ArgumentException($"container {spec.Id}: process args must not be empty");
        }

        if (!spec.Process.WorkingDir.StartsWith('/'))
        {
            throw new ArgumentException($"container {spec.Id}: working directory '{spec.Process.WorkingDir}' must be absolute");
        }

        if (!spec.Resources.CgroupParent.StartsWith('/') || spec.Resources.CgroupParent.Contains(".."))
        {
            throw new ArgumentException($"container {spec.Id}: cgroup parent '{spec.Resources.CgroupParent}' must be an absolute path without '..'");
        }

        if (!string.IsNullOrEmpty(spec.Hostname) && spec.Namespaces.Uts.Mode == NamespaceMode.Host)
        {
            throw new ArgumentException($"container {spec.Id}: a hostname needs its own or a pod's UTS namespace, not the host's");
        }

        if (spec.Namespaces.Pid.Mode == NamespaceMode.Join)
        {
            throw new ArgumentException($"container {spec.Id}: joining a PID namespace by path is not supported");
        }

        foreach (var m in spec.Mounts)
        {
            if (!m.Destination.StartsWith('/'))
            {
                throw new ArgumentException($"container {spec.Id}: mount destination '{m.Destination}' must be absolute");
            }

            if (m.Kind == MountKind.Bind && string.IsNullOrEmpty(m.Source))
            {
                throw new ArgumentException($"container {spec.Id}: bind mount at '{m.Destination}' needs a source");
            }

            if (m.Propagation == MountPropagation.Bidirectional && !spec.Security.Privileged)
            {
                throw new ArgumentException($"container {spec.Id}: Bidirectional mount propagation at '{m.Destination}' requires a privileged container (as in Kubernetes)");
            }
        }
    }

    private static JsonArray BuildMounts(ContainerSpec spec)
    {
        var sysReadOnly = spec.Security.Privileged ? "rw" : "ro";
        var mounts = new JsonArray
        {
            Mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
            Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
            Mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
            Mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
            Mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
        };

        // sysfs can only be mounted by a process that owns its network namespace; with the host's
        // network the host's /sys is bound instead (containerd's CRI does the same for hostNetwork).
        mounts.Add(spec.Namespaces.Network.Mode == NamespaceMode.Host
            ? Mount("/sys", "bind", "/sys", "rbind", "nosuid", "noexec", "nodev", sysReadOnly)
            : Mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", sysReadOnly));
        mounts.Add(Mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", sysReadOnly));

        var etcMode = spec.Security.ReadOnlyRootfs ? "ro" : "rw";
        foreach (var (file, destination) in new[] { (spec.HostsFile, "/etc/hosts"), (spec.ResolvConfFile, "/etc/resolv.conf"), (spec.HostnameFile, "/etc/hostname") })
        {
            if (file is not null)
            {
                mounts.Add(Mount(destination, "bind", file, "rbind", "rprivate", etcMode));
            }
        }

        foreach (var m in spec.Mounts)
        {
            if (m.Kind == MountKind.Tmpfs)
            {
                var options = new List<string> { "nosuid", "nodev", "mode=1777" };
                if (m.SizeBytes is { } size)
                {
                    options.Add($"size={size}");
                }

                options.Add(m.ReadOnly ? "ro" : "rw");
                mounts.Add(Mount(m.Destination, "tmpfs", "tmpfs", options.ToArray()));
            }
            else
            {
                var propagation = m.Propagation switch
                {
                    MountPropagation.HostToContainer => "rslave",
                    MountPropagation.Bidirectional => "rshared",
                    _ => "rprivate",
                };
                mounts.Add(Mount(m.Destination, "bind", m.Source!, "rbind", propagation, m.ReadOnly ? "ro" : "rw"));
            }
        }

        return mounts;
    }

    private static JsonObject BuildLinux(ContainerSpec spec, IReadOnlyList<HostDevice>? hostDevices)
    {
        var namespaces = new JsonArray();
        AddNamespace(namespaces, "pid", spec.Namespaces.Pid);
        AddNamespace(namespaces, "network", spec.Namespaces.Network);
        AddNamespace(namespaces, "ipc", spec.Namespaces.Ipc);
        AddNamespace(namespaces, "uts", spec.Namespaces.Uts);
        namespaces.Add(new JsonObject { ["type"] = "mount" });

        var resources = new JsonObject
        {
            ["devices"] = new JsonArray(new JsonObject { ["allow"] = spec.Security.Privileged, ["access"] = "rwm" }),
        };
        var r = spec.Resources;
        if (r.MemoryLimitBytes is { } mem)
        {
            resources["memory"] = new JsonObject { ["limit"] = mem, ["swap"] = mem };
        }

        if (r.CpuShares is not null || r.CpuQuotaMicros is not null || r.CpuPeriodMicros is not null)
        {
            var cpu = new JsonObject();
            if (r.CpuShares is { } shares)
            {
                cpu["shares"] = shares;
            }

            if (r.CpuQuotaMicros is { } quota)
            {
                cpu["quota"] = quota;
            }

            if (r.CpuPeriodMicros is { } period)
            {
                cpu["period"] = period;
            }

            resources["cpu"] = cpu;
        }

        if (r.PidsLimit is { } pids)
        {
            resources["pids"] = new JsonObject { ["limit"] = pids };
        }

        var linux = new JsonObject
        {
            ["namespaces"] = namespaces,
            ["cgroupsPath"] = CgroupsPath(spec),
            ["resources"] = resources,
        };

        if (spec.Security.Privileged)
        {
            var devices = new JsonArray();
            foreach (var d in hostDevices ?? [])
            {
                devices.Add(new JsonObject
                {
                    ["path"] = d.Path,
                    ["type"] = d.Type.ToString(),
                    ["major"] = d.Major,
                    ["minor"] = d.Minor,
                    ["fileMode"] = 438, // 0666
                    ["uid"] = 0,
                    ["gid"] = 0,
                });
            }

            linux["devices"] = devices;
        }
        else
        {
            linux["maskedPaths"] = StringArray(MaskedPaths);
            linux["readonlyPaths"] = StringArray(ReadonlyPaths);
        }

        if (spec.Mounts.Any(m => m.Propagation == MountPropagation.Bidirectional))
        {
            linux["rootfsPropagation"] = "rshared";
        }
        else if (spec.Mounts.Any(m => m.Propagation == MountPropagation.HostToContainer))
        {
            linux["rootfsPropagation"] = "rslave";
        }

        return linux;
    }

    private static void AddNamespace(JsonArray namespaces, string type, NamespaceRef ns)
    {
        switch (ns.Mode)
        {
            case NamespaceMode.New:
                namespaces.Add(new JsonObject { ["type"] = type });
                break;
            case NamespaceMode.Join:
                namespaces.Add(new JsonObject { ["type"] = type, ["path"] = ns.Path });
                break;
            case NamespaceMode.Host:
                break;
        }
    }

    private static JsonObject Mount(string destination, string type, string source, params string[] options) => new()
    {
        ["destination"] = destination,
        ["type"] = type,
        ["source"] = source,
        ["options"] = StringArray(options),
    };

    private static JsonArray StringArray(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex IdPattern();
}
