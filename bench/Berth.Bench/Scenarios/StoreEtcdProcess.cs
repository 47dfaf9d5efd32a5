using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Berth.Bench.Scenarios;

/// <summary>A throwaway single-member etcd for the store benchmark: loopback ports, a temporary data directory, killed and removed on dispose.</summary>
internal sealed class StoreEtcdProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private StoreEtcdProcess(Process process, string directory, Uri clientUrl)
    {
        _process = process;
        _directory = directory;
        ClientUrl = clientUrl;
    }

    public Uri ClientUrl { get; }

    public static async Task<StoreEtcdProcess> StartAsync(CancellationToken cancellationToken)
    {
        const string Binary = "/usr/bin/etcd";
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: install the Debian package etcd-server (scripts/install-host-packages does)");
        }

        var directory = Path.Combine(Path.GetTempPath(), $"bt-bench-etcd-{Guid.NewGuid():N}");
        var client = new Uri($"http://127.0.0.1:{FreePort()}");
        var peer = $"http://127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--name", "bt-bench", "--data-dir", directory,
            "--listen-client-urls", client.ToString().TrimEnd('/'), "--advertise-client-urls", client.ToString().TrimEnd('/'),
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", $"bt-bench={peer}",
            "--logger", "zap", "--log-outputs", "stderr", "--log-level", "error",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start etcd");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var etcd = new StoreEtcdProcess(process, directory, client);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                if ((await http.GetStringAsync(new Uri(client, "/health"), cancellationToken)).Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return etcd;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await etcd.DisposeAsync();
                throw new InvalidOperationException($"etcd at {client} did not become healthy");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
