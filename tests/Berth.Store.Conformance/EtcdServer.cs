using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Berth.Store.Conformance;

/// <summary>
/// A single-member etcd for tests: <c>/usr/bin/etcd</c> as a child process on loopback ports chosen
/// at random, with a data directory under the temporary directory. Disposal kills it and removes
/// the directory (the leak check looks for a running etcd).
/// </summary>
public sealed class EtcdServer : IAsyncLifetime
{
    public const string Binary = "/usr/bin/etcd";
    private readonly List<string> _output = [];
    private Process? _process;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), $"bt-etcd-{Guid.NewGuid():N}");

    public Uri ClientUrl { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: install the Debian package etcd-server (scripts/install-host-packages does)");
        }

        // A port picked by binding to 0 can be taken before etcd binds it: try a few times.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await LaunchAsync();
                return;
            }
            catch (Exception) when (attempt < 3)
            {
                await StopAsync();
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task LaunchAsync()
    {
        var client = FreePort();
        var peer = FreePort();
        ClientUrl = new Uri($"http://127.0.0.1:{client}");
        var peerUrl = $"http://127.0.0.1:{peer}";
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--name", "bt-etcd", "--data-dir", DataDirectory,
            "--listen-client-urls", ClientUrl.ToString().TrimEnd('/'), "--advertise-client-urls", ClientUrl.ToString().TrimEnd('/'),
            "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", $"bt-etcd={peerUrl}", "--initial-cluster-state", "new",
            "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn",
        })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Binary}");
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode}: {Output()}");
            }

            try
            {
                var health = await http.GetStringAsync(new Uri(ClientUrl, "/health"));
                if (health.Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"etcd at {ClientUrl} was not healthy within 30 s: {Output()}");
            }

            await Task.Delay(100);
        }
    }

    private async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            finally
            {
                process.Dispose();
            }
        }

        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 40)
            {
                _output.RemoveAt(0);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
