using System.Globalization;

namespace Berth.Agent.Metrics;

/// <summary>
/// Cumulative CPU time and the memory working set of one cgroup, read the way cAdvisor (and so the
/// kubelet's resource metrics) reads them: CPU from <c>cpuacct.usage</c> (v1, nanoseconds) or
/// <c>cpu.stat usage_usec</c> (v2); working set = usage minus inactive file pages
/// (<c>memory.usage_in_bytes</c> − <c>total_inactive_file</c> on v1, <c>memory.current</c> −
/// <c>inactive_file</c> on v2), never below zero.
/// </summary>
public static class CgroupUsage
{
    /// <summary>Reads one cgroup; null when its files are gone (the container just ended).</summary>
    public static (ulong CpuNanoseconds, ulong WorkingSetBytes)? Read(string cpuDir, string memoryDir, bool v2)
    {
        try
        {
            ulong cpu;
            ulong usage;
            ulong inactive;
            if (v2)
            {
                cpu = StatValue(Path.Combine(cpuDir, "cpu.stat"), "usage_usec") * 1000;
                usage = ulong.Parse(File.ReadAllText(Path.Combine(memoryDir, "memory.current")).Trim(), CultureInfo.InvariantCulture);
                inactive = StatValue(Path.Combine(memoryDir, "memory.stat"), "inactive_file");
            }
            else
            {
                cpu = ulong.Parse(File.ReadAllText(Path.Combine(cpuDir, "cpuacct.usage")).Trim(), CultureInfo.InvariantCulture);
                usage = ulong.Parse(File.ReadAllText(Path.Combine(memoryDir, "memory.usage_in_bytes")).Trim(), CultureInfo.InvariantCulture);
                inactive = StatValue(Path.Combine(memoryDir, "memory.stat"), "total_inactive_file");
            }

            return (cpu, usage > inactive ? usage - inactive : 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The machine's busy CPU time from /proc/stat (all but idle and iowait) and its used memory (MemTotal − MemAvailable).</summary>
    public static (ulong CpuNanoseconds, ulong WorkingSetBytes) ReadNode(string procStat = "/proc/stat", string procMeminfo = "/proc/meminfo")
    {
        var cpuLine = File.ReadLines(procStat).First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var ticks = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => ulong.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already in user): USER_HZ is 100 on Linux.
        var busy = ticks[0] + ticks[1] + ticks[2] + (ticks.Length > 5 ? ticks[5] : 0) + (ticks.Length > 6 ? ticks[6] : 0) + (ticks.Length > 7 ? ticks[7] : 0);
        ulong total = 0;
        ulong available = 0;
        foreach (var line in File.ReadLines(procMeminfo))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                total = Kilobytes(line);
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                available = Kilobytes(line);
            }
        }

        return (busy * 10_000_000, total > available ? (total - available) * 1024 : 0);
    }

    private static ulong Kilobytes(string line) =>
        ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static ulong StatValue(string file, string key)
    {
        foreach (var line in File.ReadLines(file))
        {
            var space = line.IndexOf(' ');
            if (space > 0 && line.AsSpan(0, space).SequenceEqual(key))
            {
                return ulong.Parse(line.AsSpan(space + 1).Trim(), CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
