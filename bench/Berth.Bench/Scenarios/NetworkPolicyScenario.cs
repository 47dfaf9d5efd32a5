using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Berth.Network.Policy;
using Berth.Network.Pods;

namespace Berth.Bench.Scenarios;

/// <summary>
/// NetworkPolicy enforcement figures: (1) what a policy costs on the data path, with <c>wrk</c> from a client pod to a
/// backend pod without any policy and with the backend isolated behind 50 rules (the client allowed by the last one),
/// over keep-alive connections (the bench's own backend) and with a new connection per request (busybox httpd,
/// HTTP/1.0: every request walks the rules); (2) how long a
/// full sync takes (compile + render + one <c>nft -f</c>) for a synthetic cluster: --pods local pods, 10× as many
/// cluster pods, --policies policies. Options: --seconds N (default 5), --connections N (32), --pods N (100),
/// --policies N (200).
/// </summary>
public sealed class NetworkPolicyScenario : IScenario
{
    public string Name => "netpol";

    public string Description => "NetworkPolicy: wrk pod -> pod with and without 50 policy rules; full sync time at scale";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var seconds = Option(args, "--seconds", 5);
        var connections = Option(args, "--connections", 32);
        var podCount = Option(args, "--pods", 100);
        var policyCount = Option(args, "--policies", 200);
        var json = new Dictionary<string, object>();

        // (2) sync at scale, on addresses nobody uses, in a table of its own
        var scale = new NftablesPolicyEnforcer(new NetworkPolicyOptions { TableName = "bt-bench-netpol-scale" });
        try
        {
            var state = SyntheticState(podCount, policyCount);
            var sw = new Stopwatch();
            var compiles = new List<double>();
            IReadOnlyList<CompiledPodPolicy> compiled = [];
            for (var i = 0; i < 5; i++)
            {
                sw.Restart();
                compiled = PolicyCompiler.Compile(state);
                compiles.Add(sw.Elapsed.TotalMilliseconds);
            }

            var compileMs = Median(compiles);
            sw.Restart();
            var script = NftablesPolicyRuleset.Render(compiled, new NetworkPolicyOptions { TableName = "bt-bench-netpol-scale" });
            var renderMs = sw.Elapsed.TotalMilliseconds;
            var syncs = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                // alternate two states so that every sync really changes the table
                var s = i % 2 == 0 ? state : state with { Policies = state.Policies.Skip(1).ToList() };
                sw.Restart();
                await scale.SyncAsync(s, cancellationToken);
                syncs.Add(sw.Elapsed.TotalMilliseconds);
            }

            var rules = script.Split('\n').Count(l => l.StartsWith("add rule", StringComparison.Ordinal));
            var sets = script.Split('\n').Count(l => l.StartsWith("add set", StringComparison.Ordinal));
            Console.WriteLine($"sync at scale: {podCount} local pods, {podCount * 10} cluster pods, {policyCount} policies -> {compiled.Count(c => c.Ingress is not null || c.Egress is not null)} isolated pods, {rules} rules, {sets} address sets, {script.Length / 1024} KiB script");
            Console.WriteLine($"  compile median {compileMs:F0} ms, render {renderMs:F0} ms; full sync (compile+render+nft) median {Median(syncs):F0} ms, max {syncs.Max():F0} ms");
            json["scaleCompileMs"] = Math.Round(compileMs, 1);
            json["scaleLocalPods"] = podCount;
            json["scalePolicies"] = policyCount;
            json["scaleRules"] = rules;
            json["scaleRenderMs"] = Math.Round(renderMs, 1);
            json["scaleSyncMedianMs"] = Math.Round(Median(syncs), 1);
            json["scaleSyncMaxMs"] = Math.Round(syncs.Max(), 1);
        }
        finally
        {
            await scale.CleanupAsync(CancellationToken.None);
        }

        // (1) the data path
        var dataDir = Directory.CreateTempSubdirectory("bt-bench-netpol-").FullName;
        var net = new PodNetwork(new PodNetworkOptions
        {
            DataDirectory = dataDir,
            BridgeName = "bt-bnp0",
            NetnsPrefix = "bt-bnp-",
            NetworkName = "bt-bnp",
            PodCidr = IPNetwork.Parse("10.253.0.0/24"),
        });
        var enforcer = new NftablesPolicyEnforcer(new NetworkPolicyOptions { TableName = "bt-bench-netpol" });
        Process? backend = null;
        Process? httpd = null;
        var rows = new List<(string Name, ServiceWrk.Result R)>();
        try
        {
            var be = await net.SetUpAsync(new PodNetworkRequest("bench/backend", Guid.NewGuid().ToString()), cancellationToken);
            var cl = await net.SetUpAsync(new PodNetworkRequest("bench/client", Guid.NewGuid().ToString()), cancellationToken);
            var clNs = Path.GetFileName(cl.NetnsPath);
            backend = StartIn(Path.GetFileName(be.NetnsPath), Environment.ProcessPath!, "service-backend", "8080");
            var www = Path.Combine(dataDir, "www");
            Directory.CreateDirectory(www);
            await File.WriteAllTextAsync(Path.Combine(www, "index.html"), "ok", cancellationToken);
            httpd = StartIn(Path.GetFileName(be.NetnsPath), "busybox", "httpd", "-f", "-p", "8081", "-h", www); // HTTP/1.0: one connection per request
            await WaitForTcpAsync(new IPEndPoint(be.PodIP, 8080), cancellationToken);
            await WaitForTcpAsync(new IPEndPoint(be.PodIP, 8081), cancellationToken);
            var url = $"http://{be.PodIP}:8080/";
            var closeUrl = $"http://{be.PodIP}:8081/";

            var bePod = new PolicyPod(be.PodUid, "bench", "backend", be.PodIP, new Dictionary<string, string> { ["app"] = "backend" });
            var clPod = new PolicyPod(cl.PodUid, "bench", "client", cl.PodIP, new Dictionary<string, string> { ["app"] = "client" });
            var policies = Enumerable.Range(0, 49)
                .Select(i => new NetworkPolicy("bench", $"p{i}", PolicySelector.Labels(("app", "backend")), PolicyTypes.Ingress,
                    [new PolicyRule([new PolicyPeer(IPBlock: new PolicyIPBlock(IPNetwork.Parse($"192.0.2.{i * 4}/30")))], [new PolicyPort(Port: 8080, EndPort: 8081)])], []))
                .Append(new NetworkPolicy("bench", "client", PolicySelector.Labels(("app", "backend")), PolicyTypes.Ingress,
                    [new PolicyRule([new PolicyPeer(PolicySelector.Labels(("app", "client")))], [new PolicyPort(Port: 8080, EndPort: 8081)])], []))
                .ToList();

            foreach (var (label, withPolicy) in new[] { ("no policy", false), ("50 rules, client allowed by the last", true) })
            {
                await enforcer.SyncAsync(new PolicyState([bePod, clPod], [bePod, clPod], [], withPolicy ? policies : []), cancellationToken);
                rows.Add(($"{label}, keep-alive", await ServiceWrk.RunAsync(clNs, url, seconds, connections, cancellationToken)));
                rows.Add(($"{label}, new connection each", await ServiceWrk.RunAsync(clNs, closeUrl, seconds, connections, cancellationToken)));
            }
        }
        finally
        {
            foreach (var p in new[] { backend, httpd }.OfType<Process>())
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

            await enforcer.CleanupAsync(CancellationToken.None);
            foreach (var p in await net.ListAsync(CancellationToken.None))
            {
                await net.TearDownAsync(p.PodUid, CancellationToken.None);
            }

            await net.CleanupHostAsync(CancellationToken.None);
            Directory.Delete(dataDir, recursive: true);
        }

        Console.WriteLine($"{"pod -> pod",-52} {"req/s",10} {"p50 ms",8} {"p99 ms",8}");
        foreach (var (name, r) in rows)
        {
            Console.WriteLine($"{name,-52} {r.RequestsPerSecond,10:F0} {r.P50Ms,8:F3} {r.P99Ms,8:F3}");
        }

        string[] keys = ["plainKeepAlive", "plainNewConn", "policyKeepAlive", "policyNewConn"];
        for (var i = 0; i < rows.Count; i++)
        {
            json[keys[i] + "Rps"] = Math.Round(rows[i].R.RequestsPerSecond);
            json[keys[i] + "P50Ms"] = Math.Round(rows[i].R.P50Ms, 3);
            json[keys[i] + "P99Ms"] = Math.Round(rows[i].R.P99Ms, 3);
        }

        json["policyNewConnThroughputRatio"] = Math.Round(rows[3].R.RequestsPerSecond / rows[1].R.RequestsPerSecond, 3);
        json["loadAvg"] = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        Console.WriteLine($"load average {json["loadAvg"]}");
        Console.WriteLine(JsonSerializer.Serialize(json));
        return 0;
    }

    /// <summary>Local pods 10.253.1.x, other pods 10.253.2.0/23+, spread over 20 namespaces and 10 apps; policies of
    /// the usual shapes (allow from an app, from a namespace, from both, an ipBlock, named and numbered ports).</summary>
    private static PolicyState SyntheticState(int local, int policies)
    {
        PolicyPod Pod(int i, bool isLocal)
        {
            var b = isLocal ? new byte[] { 10, 253, 1, 0 } : [10, 253, (byte)(2 + (i / 250)), 0];
            b[3] = (byte)(i % 250 + 2);
            return new PolicyPod($"uid-{(isLocal ? "l" : "c")}{i}", $"ns{i % 20}", $"{(isLocal ? "l" : "c")}{i}", new IPAddress(b),
                new Dictionary<string, string> { ["app"] = $"app{i % 10}", ["tier"] = i % 3 == 0 ? "web" : "db" },
                [new PolicyNamedPort("http", PolicyProtocol.Tcp, 8080 + (i % 3))]);
        }

        var localPods = Enumerable.Range(0, Math.Min(local, 250)).Select(i => Pod(i, true)).ToList();
        var others = Enumerable.Range(0, Math.Min(local * 10, 250 * 20)).Select(i => Pod(i, false)).ToList();
        var namespaces = Enumerable.Range(0, 20).Select(i => new PolicyNamespace($"ns{i}", new Dictionary<string, string> { ["env"] = i % 2 == 0 ? "prod" : "dev" })).ToList();
        var list = new List<NetworkPolicy>();
        for (var i = 0; i < policies; i++)
        {
            var ns = $"ns{i % 20}";
            var selector = PolicySelector.Labels(("app", $"app{i % 10}"));
            PolicyPeer peer = (i % 4) switch
            {
                0 => new PolicyPeer(PolicySelector.Labels(("tier", i % 3 == 0 ? "web" : "db"))),
                1 => new PolicyPeer(NamespaceSelector: PolicySelector.Labels(("env", "prod"))),
                2 => new PolicyPeer(PolicySelector.Labels(("tier", "web")), PolicySelector.Labels(("env", "dev"))),
                _ => new PolicyPeer(IPBlock: new PolicyIPBlock(IPNetwork.Parse("172.16.0.0/12"), [IPNetwork.Parse("172.16.1.0/24")])),
            };
            PolicyPort port = i % 2 == 0 ? new PolicyPort(NamedPort: "http") : new PolicyPort(Port: 5432);
            list.Add(new NetworkPolicy(ns, $"p{i}", selector, i % 5 == 0 ? PolicyTypes.Ingress | PolicyTypes.Egress : PolicyTypes.Ingress,
                [new PolicyRule([peer], [port])], i % 5 == 0 ? [new PolicyRule([peer], [port])] : []));
        }

        return new PolicyState(localPods, others, namespaces, list);
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
        while (true)
        {
            using var c = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromMilliseconds(500));
            try
            {
                await c.ConnectAsync(ep, cts.Token);
                return;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && deadline.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(50, ct);
            }
        }
    }

    private static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

    private static int Option(IReadOnlyList<string> args, string name, int fallback)
    {
        var i = args.ToList().IndexOf(name);
        return i >= 0 && i + 1 < args.Count ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
