using System.Globalization;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Liveness of host processes from /proc, guarding against pid reuse with the start time
/// (field 22 of /proc/PID/stat, clock ticks since boot). A zombie counts as dead.
/// </summary>
public static class ProcessInfo
{
    /// <summary>The process's start time in clock ticks since boot, or null when it does not exist or is a zombie.</summary>
    public static ulong? StartTime(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // comm (field 2) may contain spaces and parentheses: parse after the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = stat[(close + 2)..].Split(' ');
        if (fields.Length < 20 || fields[0] is "Z" or "X")
        {
            return null;
        }

        return ulong.Parse(fields[19], CultureInfo.InvariantCulture);
    }

    /// <summary>The state letter of /proc/PID/stat (R, S, D, Z, X, ...), or null when the process does not exist.</summary>
    public static char? State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length ? stat[close + 2] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="pid"/> runs and, when <paramref name="startTime"/> is given, is still the same process.</summary>
    public static bool IsAlive(int pid, ulong? startTime = null)
    {
        var actual = StartTime(pid);
        return actual is not null && (startTime is null || actual == startTime);
    }

    /// <summary>Resident set size in bytes (VmRSS), or null when the process is gone.</summary>
    public static long? Rss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
