namespace Berth.Runtime.Vm.Host;

/// <summary>
/// The VM's own cgroup, <c>PARENT/vm-ID</c>, holding the shim and QEMU, with a memory limit of
/// guest RAM + overhead. cgroup v1 (this machine: one hierarchy per controller; the group is
/// created in memory, cpu, cpuacct and pids) and v2 (unified: memory.max; the parent must
/// delegate the memory controller).
/// </summary>
internal sealed class VmCgroup
{
    private static readonly string[] V1Controllers = ["memory", "cpu", "cpuacct", "pids"];

    private VmCgroup(bool unified, IReadOnlyList<string> directories, string? memoryDirectory)
    {
        Unified = unified;
        Directories = directories;
        MemoryDirectory = memoryDirectory;
    }

    public bool Unified { get; }

    /// <summary>One directory per hierarchy (v1) or the one directory (v2).</summary>
    public IReadOnlyList<string> Directories { get; }

    public string? MemoryDirectory { get; }

    public IEnumerable<string> ProcsFiles => Directories.Select(d => Path.Combine(d, "cgroup.procs"));

    public static VmCgroup Resolve(string root, string parent, string id)
    {
        var relative = Path.Combine(parent.Trim('/'), "vm-" + id);
        if (File.Exists(Path.Combine(root, "cgroup.controllers")))
        {
            var dir = Path.Combine(root, relative);
            return new VmCgroup(true, [dir], dir);
        }

        var dirs = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? memory = null;
        foreach (var controller in V1Controllers)
        {
            var mount = Path.Combine(root, controller);
            if (!Directory.Exists(mount))
            {
                continue;
            }

            var resolved = new DirectoryInfo(mount).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? mount;
            if (!seen.Add(resolved))
            {
                continue;
            }

            var dir = Path.Combine(mount, relative);
            dirs.Add(dir);
            if (controller == "memory")
            {
                memory = dir;
            }
        }

        if (dirs.Count == 0)
        {
            throw new VmRuntimeException($"no cgroup hierarchy under {root}");
        }

        return new VmCgroup(false, dirs, memory);
    }

    public void Create(long memoryLimitBytes)
    {
        foreach (var dir in Directories)
        {
            Directory.CreateDirectory(dir);
        }

        if (MemoryDirectory is null)
        {
            return;
        }

        if (Unified)
        {
            File.WriteAllText(Path.Combine(MemoryDirectory, "memory.max"), memoryLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            File.WriteAllText(Path.Combine(MemoryDirectory, "memory.limit_in_bytes"), memoryLimitBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public long? MemoryLimitBytes()
    {
        if (MemoryDirectory is null)
        {
            return null;
        }

        var file = Path.Combine(MemoryDirectory, Unified ? "memory.max" : "memory.limit_in_bytes");
        return File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), out var v) ? v : null;
    }

    /// <summary>True when the kernel OOM-killed a process of this group (v1 memory.oom_control, v2 memory.events: <c>oom_kill N</c>).</summary>
    public bool OomKilled()
    {
        if (MemoryDirectory is null)
        {
            return false;
        }

        var file = Path.Combine(MemoryDirectory, Unified ? "memory.events" : "memory.oom_control");
        if (!File.Exists(file))
        {
            return false;
        }

        foreach (var line in File.ReadAllLines(file))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["oom_kill", var n] && long.TryParse(n, out var count) && count > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Removes the group (its processes must be gone); retries briefly while the kernel still counts exiting tasks.</summary>
    public async Task RemoveAsync(CancellationToken cancellationToken)
    {
        foreach (var dir in Directories)
        {
            for (var attempt = 0; Directory.Exists(dir); attempt++)
            {
                try
                {
                    Directory.Delete(dir);
                }
                catch (IOException) when (attempt < 50)
                {
                    await Task.Delay(20, cancellationToken);
                }
            }
        }
    }
}
