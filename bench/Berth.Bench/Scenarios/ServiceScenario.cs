using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Berth.Network.Dns;
using Berth.Network.Host;
using Berth.Network.Pods;
using Berth.Network.Services;

namespace Berth.Bench.Scenarios;

/// <summary>
/// Service data plane and cluster DNS figures (issue 5): HTTP requests/s and latency with <c>wrk</c> to a pod
/// directly, through its ClusterIP (nftables DNAT), through a NodePort on 127.0.0.1, and through a user-space
/// proxy; from the host and from a client pod. Then endpoint-removal convergence, and DNS queries/s with
/// <c>dnsperf</c> from inside a pod. Everything runs on a throw-away bridge and is removed at the end.
/// Then the same through a real <c>berth up</c> (<see cref="ServiceBerthUpPath"/>, rows and keys prefixed "up"):
/// what the agent programs from Services and EndpointSlices, DNS from the agent's server, and the time from a pod
/// turning unready (readiness probe) to its removal from the rules.
/// Options: --seconds N (per wrk/dnsperf run, default 5), --connections N (default 32), --library-only.
/// </summary>
public sealed class ServiceScenario : IScenario
{
    private const string ClusterIP = "10.98.0.10";
    private const int NodePort = 30980;
    private const int UserspacePort = 18080;

    public string Name => "service";

    public string Description => "service data plane (direct vs ClusterIP vs NodePort vs user-space) and cluster DNS, with wrk and dnsperf";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var seconds = Option(args, "--seconds", 5);
        var connections = Option(args, "--connections", 32);
        var dataDir = Directory.CreateTempSubdirectory("bt-bench-svc-").FullName;
        var net = new PodNetwork(new PodNetworkOptions
        {
            DataDirectory = dataDir,
            BridgeName = "bt-bench0",
            NetnsPrefix = "bt-bench-",
            NetworkName = "bt-bench",
            PodCidr = IPNetwork.Parse("10.251.0.0/24"),
        });
        var proxyOptions = new ServiceProxyOptions
        {
            TableName = "bt-bench-svc",
            ServiceCidr = IPNetwork.Parse("10.98.0.0/16"),
            ClusterCidr = IPNetwork.Parse("10.251.0.0/16"),
        };
        var proxy = new NftablesServiceProxy(proxyOptions);
        var processes = new List<Process>();
        var rows = new List<(string Path, ServiceWrk.Result R)>();
        var figures = new Dictionary<string, object>();
        try
        {
            var sw = Stopwatch.StartNew();
            var be = await net.SetUpAsync(new PodNetworkRequest("bench/backend", Guid.NewGuid().ToString()), cancellationToken);
            var setupMs = sw.Elapsed.TotalMilliseconds;
            var cl = await net.SetUpAsync(new PodNetworkRequest("bench/client", Guid.NewGuid().ToString()), cancellationToken);
            var beNs = Path.GetFileName(be.NetnsPath);
            var clNs = Path.GetFileName(cl.NetnsPath);
            processes.Add(StartIn(beNs, Environment.ProcessPath!, "service-backend", "8080"));
            await WaitForTcpAsync(new IPEndPoint(be.PodIP, 8080), cancellationToken);

            var backend = new ProxyEndpoint(be.PodIP, 8080);
            ProxyService Svc(params ProxyEndpoint[] eps) => new("bench", "web", IPAddress.Parse(ClusterIP), [new ProxyServicePort("http", ProxyProtocol.Tcp, 80, NodePort, eps)]);
            await proxy.SyncAsync([Svc(backend)], cancellationToken);
            using var userspace = new ServiceUserspaceProxy(new IPEndPoint(IPAddress.Loopback, UserspacePort), [new IPEndPoint(be.PodIP, 8080)]);
            userspace.Start();

            (string Name, string? Netns, string Url)[] paths =
            [
                ("host -> pod (direct)", null, $"http://{be.PodIP}:8080/"),
                ("host -> ClusterIP (nft)", null, $"http://{ClusterIP}/"),
                ("host -> NodePort 127.0.0.1 (nft)", null, $"http://127.0.0.1:{NodePort}/"),
                ("host -> user-space proxy", null, $"http://127.0.0.1:{UserspacePort}/"),
                ("pod -> pod (direct)", clNs, $"http://{be.PodIP}:8080/"),
                ("pod -> ClusterIP (nft)", clNs, $"http://{ClusterIP}/"),
            ];
            foreach (var (name, ns, url) in paths)
            {
                rows.Add((name, await ServiceWrk.RunAsync(ns, url, seconds, connections, cancellationToken)));
            }

            // Endpoint removal: from the update to the kernel refusing new connections.
            var removal = new List<double>();
            await using (var loop = new ServiceProxyLoop(proxy, TimeProvider.System, TimeSpan.FromMilliseconds(100)))
            {
                loop.Start();
                for (var i = 0; i < 10; i++)
                {
                    await loop.WaitForAsync(loop.Update([Svc(backend)]), cancellationToken);
                    sw.Restart();
                    await loop.WaitForAsync(loop.Update([Svc()]), cancellationToken);
                    while (await ConnectsAsync(new IPEndPoint(IPAddress.Parse(ClusterIP), 80)))
                    {
                        await Task.Delay(1, cancellationToken);
                    }

                    removal.Add(sw.Elapsed.TotalMilliseconds);
                }
            }

            figures["endpointRemovalP50Ms"] = Round(Percentile(removal, 0.5));
            figures["endpointRemovalMaxMs"] = Round(removal.Max());

            // Cluster DNS on the client pod's gateway, asked from inside the pod.
            var dns = await MeasureDnsAsync(cl, clNs, seconds, dataDir, cancellationToken);
            foreach (var (k, v) in dns)
            {
                figures[k] = v;
            }

            figures["podNetworkSetUpMs"] = Round(setupMs);
        }
        finally
        {
            foreach (var p in processes)
            {
                try
                {
                    p.Kill(entireProcessTree: true);
                    await p.WaitForExitAsync(CancellationToken.None);
                }
                catch (InvalidOperationException)
                {
                }
            }

            await proxy.CleanupAsync(CancellationToken.None);
            foreach (var p in await net.ListAsync(CancellationToken.None))
            {
                await net.TearDownAsync(p.PodUid, CancellationToken.None);
            }

            await net.CleanupHostAsync(CancellationToken.None);
            Directory.Delete(dataDir, recursive: true);
        }

        if (!args.Contains("--library-only"))
        {
            var (upRows, upFigures) = await ServiceBerthUpPath.RunAsync(seconds, connections, cancellationToken);
            rows.AddRange(upRows);
            foreach (var (k, v) in upFigures)
            {
                figures[k] = v;
            }
        }

        var direct = rows.First(r => r.Path.StartsWith("host -> pod", StringComparison.Ordinal)).R;
        var podDirect = rows.First(r => r.Path.StartsWith("pod -> pod", StringComparison.Ordinal)).R;
        Console.WriteLine($"{"path",-40} {"req/s",10} {"p50 ms",8} {"p99 ms",8} {"vs direct",10} {"+p50 ms",8}");
        foreach (var (path, r) in rows)
        {
            var prefix = path.StartsWith("up: ", StringComparison.Ordinal) ? "up: " : "";
            var baseline = rows.First(x => x.Path == prefix + (path[prefix.Length..].StartsWith("pod", StringComparison.Ordinal) ? "pod -> pod (direct)" : "host -> pod (direct)")).R;
            Console.WriteLine($"{path,-40} {r.RequestsPerSecond,10:F0} {r.P50Ms,8:F3} {r.P99Ms,8:F3} {r.RequestsPerSecond / baseline.RequestsPerSecond,9:P0} {r.P50Ms - baseline.P50Ms,8:F3}");
        }

        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");

        foreach (var (k, v) in figures)
        {
            Console.WriteLine($"{k,-36} {v}");
        }

        var json = new Dictionary<string, object>
        {
            ["directRps"] = Round(direct.RequestsPerSecond),
            ["directP50Ms"] = Round(direct.P50Ms),
            ["directP99Ms"] = Round(direct.P99Ms),
        };
        foreach (var (path, r) in rows)
        {
            var key = path switch
            {
                var p when p.StartsWith("host -> ClusterIP", StringComparison.Ordinal) => "clusterIP",
                var p when p.StartsWith("host -> NodePort", StringComparison.Ordinal) => "nodePort",
                var p when p.StartsWith("host -> user-space", StringComparison.Ordinal) => "userspace",
                var p when p.StartsWith("pod -> pod", StringComparison.Ordinal) => "podDirect",
                var p when p.StartsWith("pod -> ClusterIP", StringComparison.Ordinal) => "podClusterIP",
                "up: host -> pod (direct)" => "upDirect",
                "up: host -> NodePort 127.0.0.1 (nft)" => "upNodePort",
                "up: pod -> pod (direct)" => "upPodDirect",
                "up: pod -> ClusterIP (nft)" => "upPodClusterIP",
                _ => null,
            };
            if (key is not null)
            {
                json[key + "Rps"] = Round(r.RequestsPerSecond);
                json[key + "P50Ms"] = Round(r.P50Ms);
                json[key + "P99Ms"] = Round(r.P99Ms);
            }
        }

        json["clusterIPThroughputRatio"] = Math.Round((double)json["clusterIPRps"] / direct.RequestsPerSecond, 3);
        json["clusterIPAddedP50Ms"] = Round((double)json["clusterIPP50Ms"] - direct.P50Ms);
        json["podClusterIPThroughputRatio"] = Math.Round((double)json["podClusterIPRps"] / podDirect.RequestsPerSecond, 3);
        json["podClusterIPAddedP50Ms"] = Round((double)json["podClusterIPP50Ms"] - podDirect.P50Ms);
        if (json.ContainsKey("upPodClusterIPRps"))
        {
            json["upPodClusterIPThroughputRatio"] = Math.Round((double)json["upPodClusterIPRps"] / (double)json["upPodDirectRps"], 3);
            json["upPodClusterIPAddedP50Ms"] = Round((double)json["upPodClusterIPP50Ms"] - (double)json["upPodDirectP50Ms"]);
            json["upNodePortThroughputRatio"] = Math.Round((double)json["upNodePortRps"] / (double)json["upDirectRps"], 3);
            json["upNodePortAddedP50Ms"] = Round((double)json["upNodePortP50Ms"] - (double)json["upDirectP50Ms"]);
        }

        json["loadAverage1m"] = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        foreach (var (k, v) in figures)
        {
            json[k] = v;
        }

        Console.WriteLine(JsonSerializer.Serialize(json));
        return 0;
    }

    private static async Task<Dictionary<string, object>> MeasureDnsAsync(PodNetworkStatus client, string netns, int seconds, string dataDir, CancellationToken ct)
    {
        var services = Enumerable.Range(0, 100).Select(i => new DnsService("bench", $"svc{i}", IPAddress.Parse($"10.98.1.{i + 1}"), [new DnsServicePort("http", "TCP", 80)], [])).ToList();
        await using var dns = new ClusterDnsServer(new ClusterDnsOptions { Listen = [new IPEndPoint(client.Gateway, 53)], Upstreams = [] });
        dns.Update(services);
        dns.Start();
        var queries = Path.Combine(dataDir, "queries.txt");
        await File.WriteAllLinesAsync(queries, services.Select(s => $"{s.Name}.bench.svc.cluster.local A"), ct);

        var r = await HostCommand.RunAsync("ip", ["netns", "exec", netns, "dnsperf", "-s", client.Gateway.ToString(), "-d", queries, "-l", seconds.ToString(CultureInfo.InvariantCulture), "-c", "4", "-T", "2", "-q", "200"], cancellationToken: ct);
        if (!r.Succeeded)
        {
            throw new InvalidOperationException($"dnsperf failed: {r.StandardOutput}{r.StandardError}");
        }

        double Field(string label) => double.Parse(System.Text.RegularExpressions.Regex.Match(r.StandardOutput, label + @":\s+([0-9.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
        var qps = Field("Queries per second");
        var avg = Field("Average Latency \\(s\\)") * 1000;
        var lost = Field("Queries lost");

        // Latency percentiles at a moderate load: 8 concurrent clients, closed loop, for one second.
        var latencies = new List<double>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(1));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async c =>
        {
            using var sock = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            await sock.ConnectAsync(new IPEndPoint(client.Gateway, 53), ct);
            var buf = new byte[512];
            var id = (ushort)(c * 1000);
            while (!cts.IsCancellationRequested)
            {
                var q = Query(++id, $"svc{id % 100}.bench.svc.cluster.local");
                var t = Stopwatch.GetTimestamp();
                await sock.SendAsync(q, ct);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try
                {
                    await sock.ReceiveAsync(buf, timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    continue;
                }

                lock (latencies)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
            }
        }));

        Console.WriteLine($"dnsperf: {qps:F0} q/s, average {avg:F3} ms, lost {lost}");
        return new Dictionary<string, object>
        {
            ["dnsQps"] = Round(qps),
            ["dnsAvgMs"] = Round(avg),
            ["dnsLost"] = lost,
            ["dnsP50Ms"] = Round(Percentile(latencies, 0.5)),
            ["dnsP99Ms"] = Round(Percentile(latencies, 0.99)),
        };
    }

    /// <summary>A minimal A query (RFC 1035 §4.1) for the closed-loop latency probe; the server side is ARSoft's.</summary>
    private static byte[] Query(ushort id, string name)
    {
        var bytes = new List<byte> { (byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, 0, 1, 0, 1]);
        return [.. bytes];
    }

    private static Process StartIn(string netns, params string[] command)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["netns", "exec", netns, .. command])
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task WaitForTcpAsync(IPEndPoint ep, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!await ConnectsAsync(ep))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(15))
            {
                throw new TimeoutException($"{ep} never accepted a connection");
            }

            await Task.Delay(50, ct);
        }
    }

    private static async Task<bool> ConnectsAsync(IPEndPoint ep)
    {
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        try
        {
            await c.ConnectAsync(ep, cts.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static double Percentile(List<double> xs, double p)
    {
        if (xs.Count == 0)
        {
            return double.NaN;
        }

        var s = xs.Order().ToList();
        return s[Math.Min(s.Count - 1, (int)(p * s.Count))];
    }

    private static double Round(double v) => Math.Round(v, 3);

    private static int Option(IReadOnlyList<string> args, string name, int fallback)
    {
        var i = args.ToList().IndexOf(name);
        return i >= 0 && i + 1 < args.Count ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
