using System.Globalization;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// The host's cgroup mounts and what the runtime reads or cleans in them. Handles cgroup v1,
/// hybrid (v1 controllers plus a v2 mount at /sys/fs/cgroup/unified, as on this build machine)
/// and pure v2. A container's cgroup is the same relative path in every hierarchy.
/// </summary>
public static class Cgroups
{
    private const string Root = "/sys/fs/cgroup";

    /// <summary>Pure cgroup v2: /sys/fs/cgroup is itself the unified hierarchy.</summary>
    public static bool IsV2() => File.Exists(Path.Combine(Root, "cgroup.controllers"));

    /// <summary>v1 controllers at /sys/fs/cgroup/NAME plus a v2 hierarchy at /sys/fs/cgroup/unified.</summary>
    public static bool IsHybrid() => !IsV2() && File.Exists(Path.Combine(Root, "unified", "cgroup.controllers"));

    public static bool IsV1ControllerMounted(string controller) => Hierarchies().Any(h => h.Controllers.Contains(controller));

    /// <summary>Every cgroup hierarchy mounted on the host (from /proc/self/mountinfo): its mount point and, for v1, its controllers.</summary>
    public static IReadOnlyList<(string MountPoint, IReadOnlySet<string> Controllers)> Hierarchies()
    {
        var list = new List<(string, IReadOnlySet<string>)>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var sep = line.IndexOf(" - ", StringComparison.Ordinal);
            if (sep < 0)
            {
                continue;
            }

            var fields = line[..sep].Split(' ');
            var tail = line[(sep + 3)..].Split(' ');
            if (fields.Length < 5 || tail.Length < 3)
            {
                continue;
            }

            var mountPoint = Unescape(fields[4]);
            if (tail[0] == "cgroup2")
            {
                list.Add((mountPoint, new HashSet<string>()));
            }
            else if (tail[0] == "cgroup")
            {
                var controllers = tail[2].Split(',').Where(o => o is not ("rw" or "ro" or "relatime" or "nosuid" or "nodev" or "noexec") && !o.StartsWith("release_agent", StringComparison.Ordinal)).ToHashSet();
                list.Add((mountPoint, controllers));
            }
        }

        return list;
    }

    /// <summary>The directory of cgroup <paramref name="path"/> in the hierarchy holding <paramref name="controller"/> (v1), or in the v2 hierarchy.</summary>
    public static string? Directory(string path, string controller)
    {
        if (IsV2())
        {
            return Root + path;
        }

        var h = Hierarchies().FirstOrDefault(h => h.Controllers.Contains(controller));
        return h.MountPoint is null ? null : h.MountPoint + path;
    }

    /// <summary>
    /// How many times the kernel OOM-killed a process in cgroup <paramref name="path"/>: v1
    /// <c>memory.oom_control</c> <c>oom_kill N</c>, v2 <c>memory.events</c> <c>oom_kill N</c>. Null when the cgroup is gone.
    /// </summary>
    public static long? OomKillCount(string path)
    {
        var dir = Directory(path, "memory");
        if (dir is null)
        {
            return null;
        }

        var file = Path.Combine(dir, IsV2() ? "memory.events" : "memory.oom_control");
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal))
                {
                    return long.Parse(line["oom_kill ".Length..], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            return null;
        }

        return 0;
    }

    /// <summary>Reads one value file of cgroup <paramref name="path"/> (e.g. memory.limit_in_bytes), or null.</summary>
    public static string? Read(string path, string controller, string file)
    {
        var dir = Directory(path, controller);
        try
        {
            return dir is null ? null : File.ReadAllText(Path.Combine(dir, file)).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Every existing directory of cgroup <paramref name="path"/>, one per hierarchy.</summary>
    public static IReadOnlyList<string> ExistingDirectories(string path) =>
        Hierarchies().Select(h => h.MountPoint + path).Where(System.IO.Directory.Exists).ToList();

    /// <summary>
    /// Removes cgroup <paramref name="path"/> from every hierarchy, then its ancestors that became empty,
    /// stopping at <paramref name="stopAt"/> (kept). rmdir of a cgroup with processes fails (EBUSY):
    /// that is reported, not forced.
    /// </summary>
    public static IReadOnlyList<string> Remove(string path, string stopAt)
    {
        var failures = new List<string>();
        var stop = stopAt.TrimEnd('/');
        var leaf = path.TrimEnd('/');
        foreach (var (mountPoint, _) in Hierarchies())
        {
            var current = leaf;
            while (true)
            {
                var dir = mountPoint + current;
                if (System.IO.Directory.Exists(dir))
                {
                    try
                    {
                        System.IO.Directory.Delete(dir);
                    }
                    catch (IOException e)
                    {
                        if (current == leaf)
                        {
                            failures.Add($"{dir}: {e.Message}");
                        }

                        break;
                    }
                }

                var slash = current.LastIndexOf('/');
                if (slash <= 0)
                {
                    break;
                }

                current = current[..slash];
                if (current == stop || !current.StartsWith(stop + "/", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        return failures;
    }

    private static string Unescape(string s) => s.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal).Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
