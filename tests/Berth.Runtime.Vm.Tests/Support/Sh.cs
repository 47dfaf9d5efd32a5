using System.Diagnostics;

namespace Berth.Runtime.Vm.Tests.Support;

/// <summary>Runs host commands for test set-up (netns, veth) and fails with their stderr.</summary>
internal static class Sh
{
    public static string Run(string file, params string[] args) => RunCore(file, args, check: true).StdOut;

    public static (int Code, string StdOut, string StdErr) Try(string file, params string[] args) => RunCore(file, args, check: false);

    private static (int Code, string StdOut, string StdErr) RunCore(string file, string[] args, bool check)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}");
        }

        return (p.ExitCode, stdout.Result, stderr);
    }
}
