namespace Berth.Runtime.Vm.Host;

/// <summary>Liveness of detached processes the runtime started in an earlier life (no child handle survives an agent restart).</summary>
internal static class HostProcess
{
    /// <summary>
    /// True when <paramref name="pid"/> is a live (not zombie) process whose command line contains
    /// <paramref name="marker"/>: guards against a recycled pid.
    /// </summary>
    public static bool IsAlive(int pid, string marker)
    {
        if (pid <= 0)
        {
            return false;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            if (close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X')
            {
                return false;
            }

            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains(marker, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static int? ReadPidFile(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL, ignoring a process that is already gone.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            p.Kill();
        }
        catch (ArgumentException)
        {
            // gone
        }
        catch (InvalidOperationException)
        {
            // gone
        }
    }
}
