using System.Diagnostics;
using System.Net.Sockets;

namespace Berth.Network.Tests.Support;

/// <summary>A long-running process started inside a network namespace with <c>ip netns exec</c>; killed on dispose.</summary>
internal sealed class NetnsProcess : IDisposable
{
    private readonly Process _process;

    private NetnsProcess(Process process) => _process = process;

    public static NetnsProcess Start(string netnsName, params string[] command)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["netns", "exec", netnsName, .. command])
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start ip netns exec");
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return new NetnsProcess(p);
    }

    /// <summary>Starts busybox httpd serving a file whose content is <paramref name="body"/> at <c>/index.html</c>.</summary>
    public static NetnsProcess StartHttpd(string netnsName, int port, string body, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "index.html"), body);
        return Start(netnsName, "busybox", "httpd", "-f", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-h", directory);
    }

    public bool HasExited => _process.HasExited;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    /// <summary>Waits until a TCP connect to <paramref name="host"/>:<paramref name="port"/> from the host succeeds.</summary>
    public static async Task WaitForTcpAsync(string host, int port, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < timeout)
        {
            try
            {
                using var c = new TcpClient();
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                await c.ConnectAsync(host, port, cts.Token);
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                last = e;
                await Task.Delay(20);
            }
        }

        throw new TimeoutException($"{host}:{port} did not accept a connection within {timeout}: {last?.Message}");
    }
}
