using System.Diagnostics;

namespace Berth.Testing;

/// <summary>
/// A single-member etcd (Debian's etcd-server, <c>/usr/bin/etcd</c>) as a child process on free
/// loopback ports with its own data directory; disposal kills it and removes the directory.
/// </summary>
public sealed class EtcdProcess : IAsyncDisposable
{
    public const string Binary = "/usr/bin/etcd";
    private Process? _process;

    private EtcdProcess(string dataDir) => DataDirectory = dataDir;

    public string DataDirectory { get; }

    public string ClientUrl { get; private set; } = "";

    /// <summary>The <c>--store</c> value for berth.</summary>
    public string StoreUri => $"etcd:{ClientUrl}";

    public static async Task<EtcdProcess> StartAsync(TimeSpan? timeout = null)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: install the Debian package etcd-server (scripts/install-host-packages does)");
        }

        var etcd = new EtcdProcess(Directory.CreateTempSubdirectory("bt-etcd-").FullName);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await etcd.LaunchAsync(timeout ?? TimeSpan.FromSeconds(30));
                return etcd;
            }
            catch (Exception) when (attempt < 3)
            {
                etcd.Kill();
            }
        }
    }

    private async Task LaunchAsync(TimeSpan timeout)
    {
        var client = BerthProcess.FreePort();
        var peer = BerthProcess.FreePort();
        ClientUrl = $"http://127.0.0.1:{client}";
        var peerUrl = $"http://127.0.0.1:{peer}";
        var log = Path.Combine(DataDirectory, "etcd.log");
        var member = Path.Combine(DataDirectory, "member-data");
        var args = $"--name bt-etcd --data-dir {member} --listen-client-urls {ClientUrl} --advertise-client-urls {ClientUrl} " +
                   $"--listen-peer-urls {peerUrl} --initial-advertise-peer-urls {peerUrl} --initial-cluster bt-etcd={peerUrl} " +
                   "--initial-cluster-state new --log-level warn";
        _process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", $"exec {Binary} {args} >>'{log}' 2>&1"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException($"could not start {Binary}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode}: {File.ReadAllText(log)}");
            }

            try
            {
                using var r = await http.GetAsync($"{ClientUrl}/health");
                if (r.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"etcd did not become healthy within {timeout}");
    }

    public int? Pid => _process?.Id;

    private void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }
}
