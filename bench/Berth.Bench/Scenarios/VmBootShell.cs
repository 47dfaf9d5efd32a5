using System.Diagnostics;

namespace Berth.Bench.Scenarios;

/// <summary>Host commands for the VM boot scenario's set-up.</summary>
internal static class VmBootShell
{
    public static string Run(string file, params string[] args)
    {
        var r = Try(file, args);
        if (r.Code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({r.Code}): {r.StdErr}");
        }

        return r.StdOut;
    }

    public static (int Code, string StdOut, string StdErr) Try(string file, params string[] args)
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
        return (p.ExitCode, stdout.Result, stderr);
    }

    /// <summary>GET until the guest's httpd answers; returns when it did.</summary>
    public static async Task WaitHttpAsync(string url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromMilliseconds(500) };
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(url, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // not up yet
            }

            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"{url} did not answer within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
