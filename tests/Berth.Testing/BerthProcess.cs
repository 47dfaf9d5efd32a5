using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Berth.Testing;

/// <summary>
/// A real <c>berth up</c> process on a free port with its own data directory, for tests that drive it
/// with kubectl and the KubernetesClient package. Its output goes to <c>DATA_DIR/berth.log</c>.
/// Stopping sends SIGTERM (as an operator would) and SIGKILL only if it does not exit in time.
/// </summary>
public sealed class BerthProcess : IAsyncDisposable
{
    private Process? _process;

    private BerthProcess(string dataDir, int port, string nodeName)
    {
        DataDir = dataDir;
        Port = port;
        NodeName = nodeName;
    }

    public string DataDir { get; }

    public int Port { get; }

    public string NodeName { get; }

    public string Kubeconfig => Path.Combine(DataDir, "kubeconfig");

    public string LogPath => Path.Combine(DataDir, "berth.log");

    public int? Pid => _process?.Id;

    /// <summary>Starts berth on a fresh data directory and waits until /readyz answers 200.</summary>
    public static async Task<BerthProcess> StartAsync(string? extraArgs = null, TimeSpan? timeout = null, string? dataDir = null, int? port = null)
    {
        dataDir ??= Directory.CreateTempSubdirectory("bt-berth-").FullName;
        var p = new BerthProcess(dataDir, port ?? FreePort(), "bt-node");
        await p.RestartAsync(extraArgs, timeout);
        return p;
    }

    /// <summary>
    /// What a test instance gets unless its arguments say otherwise: a bridge and pod range of its own
    /// (so that its service rules, in an nftables table named after the bridge, are its own), and a
    /// <c>registries.json</c> that sends every pull from a registry off this machine to a closed
    /// loopback port — tests never reach out of the machine, and such pulls fail the way a
    /// refused connection does (ErrImagePull with the dial error).
    /// </summary>
    private string Defaults(string? extraArgs)
    {
        var registries = Path.Combine(DataDir, "registries.json");
        if (!File.Exists(registries))
        {
            File.WriteAllText(registries, "{\"registries\":{\"*\":{\"mirror\":\"127.0.0.1:1\"}}}\n");
        }

        if (extraArgs?.Contains("--bridge", StringComparison.Ordinal) == true)
        {
            return "";
        }

        _network ??= Random.Shared.Next(0, 240);
        return $"--bridge bt-n{_network} --pod-cidr 10.253.{_network}.0/24";
    }

    private int? _network;

    /// <summary>(Re)starts the process on the same data directory and port.</summary>
    public async Task RestartAsync(string? extraArgs = null, TimeSpan? timeout = null)
    {
        var args = $"up --data-dir {DataDir} --api-port {Port} --node-name {NodeName} --bind-address 127.0.0.1 {Defaults(extraArgs)} {extraArgs}";
        var psi = new ProcessStartInfo("/bin/sh", ["-c", $"exec '{TestPaths.Berth}' {args} >>'{LogPath}' 2>&1"])
        {
            UseShellExecute = false,
        };
        _process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start berth");
        await WaitReadyAsync(timeout ?? TimeSpan.FromSeconds(60));
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"berth exited with {_process.ExitCode} before becoming ready:\n{Tail()}");
            }

            try
            {
                using var r = await http.GetAsync($"https://127.0.0.1:{Port}/readyz");
                if (r.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"berth did not become ready within {timeout}:\n{Tail()}");
    }

    /// <summary>SIGKILL, as a crash would: nothing gets to clean up.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM and wait; SIGKILL after <paramref name="grace"/>. Returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? grace = null)
    {
        if (_process is null || _process.HasExited)
        {
            return _process?.ExitCode ?? 0;
        }

        _ = Posix.Kill(_process.Id, Posix.SigTerm);
        using var cts = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        return _process.ExitCode;
    }

    public string Tail(int lines = 40)
    {
        if (!File.Exists(LogPath))
        {
            return "(no log)";
        }

        var all = File.ReadAllLines(LogPath);
        return string.Join("\n", all.Skip(Math.Max(0, all.Length - lines)));
    }

    public async ValueTask DisposeAsync()
    {
        await DeleteAllPodsAsync();
        await StopAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Deletes every workload and pod (pods graceful, 1 s) and waits up to a minute until the API has no pod: the
    /// agent deletes a pod's object only after its containers and sandbox are gone, so a test that ends with pods
    /// still running or terminating leaves nothing on the host once the data dir goes. (Pods outlive `berth up` by
    /// design; their owners go first so that no controller makes new ones.)
    /// </summary>
    public async Task DeleteAllPodsAsync()
    {
        if (_process is null || _process.HasExited || !File.Exists(Kubeconfig))
        {
            return;
        }

        string[] owners =
        [
            "/apis/apps/v1/namespaces/{0}/deployments", "/apis/apps/v1/namespaces/{0}/statefulsets", "/apis/apps/v1/namespaces/{0}/daemonsets",
            "/apis/apps/v1/namespaces/{0}/replicasets", "/apis/batch/v1/namespaces/{0}/cronjobs", "/apis/batch/v1/namespaces/{0}/jobs",
            "/apis/kubevirt.io/v1/namespaces/{0}/virtualmachines", "/apis/kubevirt.io/v1/namespaces/{0}/virtualmachineinstancereplicasets",
            "/apis/kubevirt.io/v1/namespaces/{0}/virtualmachineinstances",
        ];
        try
        {
            using var http = ApiHttp.Create(this);
            http.Timeout = TimeSpan.FromSeconds(30);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            var ownersDeleted = false;
            while (DateTime.UtcNow < deadline)
            {
                var pods = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/api/v1/pods"))!["items"]!.AsArray();
                if (pods.Count == 0)
                {
                    return;
                }

                var namespaces = pods.Select(p => (string?)p!["metadata"]!["namespace"]).Distinct().ToList();
                if (!ownersDeleted)
                {
                    foreach (var ns in namespaces)
                    {
                        foreach (var path in owners)
                        {
                            using var _ = await http.DeleteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, ns) + "?propagationPolicy=Background");
                        }
                    }

                    ownersDeleted = true;
                }

                foreach (var ns in namespaces)
                {
                    using var _ = await http.DeleteAsync($"/api/v1/namespaces/{ns}/pods?gracePeriodSeconds=1");
                }

                await Task.Delay(500);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or IOException)
        {
            // The server is gone or not answering: nothing more to do from here.
        }
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
