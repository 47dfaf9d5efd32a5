using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Berth.Network.Host;
using Berth.Network.Services;
using Berth.Network.Tests.Support;
using Xunit;

namespace Berth.Network.Tests.Services;

[Trait("Tier", "Integration")]
public sealed class NftablesServiceProxyTests
{
    private static readonly string[] Tools = ["ip", "nft", "iptables", "busybox", "/usr/lib/cni/bridge"];

    private static ServiceProxyOptions Options(ServicePods sp) => new()
    {
        TableName = "bt-svc",
        ServiceCidr = IPNetwork.Parse("10.97.0.0/16"),
        ClusterCidr = IPNetwork.Parse("10.250.0.0/16"),
    };

    private static ProxyEndpoint Ep(ServicePods sp, string pod, int port) => new(sp.Pods[pod].PodIP, port);

    [Fact]
    public async Task ClusterIpNodePortMultiPortHairpinAndRejects()
    {
        HostRequirements.Require(Tools);
        await using var sp = await ServicePods.StartAsync("sp1", "a", "b", "c");
        var proxy = new NftablesServiceProxy(Options(sp));
        try
        {
            var web = new ProxyService("default", "web", IPAddress.Parse("10.97.0.10"),
            [
                new ProxyServicePort("http", ProxyProtocol.Tcp, 80, 31880, [Ep(sp, "a", 8080), Ep(sp, "b", 8080)]),
                new ProxyServicePort("alt", ProxyProtocol.Tcp, 81, null, [Ep(sp, "a", 8081), Ep(sp, "b", 8081)]),
            ]);
            var empty = new ProxyService("default", "empty", IPAddress.Parse("10.97.0.11"),
                [new ProxyServicePort("", ProxyProtocol.Tcp, 80, 31881, [])]);
            Assert.True(await proxy.SyncAsync([web, empty]));

            // host -> ClusterIP spreads over both endpoints; the second port maps to the second target port
            Assert.Equal(["a", "b"], await DistinctBodiesAsync("http://10.97.0.10:80/", 40));
            Assert.Equal(["a-8081", "b-8081"], await DistinctBodiesAsync("http://10.97.0.10:81/", 40));

            // NodePort on 127.0.0.1 (route_localnet) and from a pod to its gateway
            Assert.Equal(["a", "b"], await DistinctBodiesAsync("http://127.0.0.1:31880/", 40));
            var fromPod = await PodGetManyAsync(sp, "c", $"http://{sp.Pods["c"].Gateway}:31880/", 10);
            Assert.All(fromPod, b => Assert.Contains(b, (string[])["a", "b"]));

            // pod -> ClusterIP, and hairpin: a pod reaching itself through its service
            Assert.Equal(["a", "b"], (await PodGetManyAsync(sp, "c", "http://10.97.0.10/", 30)).Distinct().Order().ToArray());
            Assert.Contains("a", await PodGetManyAsync(sp, "a", "http://10.97.0.10/", 30));

            // a service without endpoints, an unused port and an unallocated ClusterIP refuse at once
            await AssertRefusedAsync("10.97.0.11", 80);
            await AssertRefusedAsync("10.97.0.10", 82);
            await AssertRefusedAsync("10.97.0.99", 80);
            await AssertRefusedAsync("127.0.0.1", 31881);
        }
        finally
        {
            await proxy.CleanupAsync();
        }

        Assert.DoesNotContain("bt-svc", await HostCommand.RunCheckedAsync("nft", ["list", "tables"]));
    }

    [Fact]
    public async Task ClientIpAffinityKeepsOneBackend()
    {
        HostRequirements.Require(Tools);
        await using var sp = await ServicePods.StartAsync("sp2", "a", "b");
        var proxy = new NftablesServiceProxy(Options(sp));
        try
        {
            var svc = new ProxyService("default", "sticky", IPAddress.Parse("10.97.0.30"),
                [new ProxyServicePort("http", ProxyProtocol.Tcp, 80, null, [Ep(sp, "a", 8080), Ep(sp, "b", 8080)])],
                ClientIPAffinity: true, AffinityTimeoutSeconds: 60);
            await proxy.SyncAsync([svc]);
            Assert.Single(await DistinctBodiesAsync("http://10.97.0.30/", 20));

            // the affinity survives a re-sync by a new proxy instance (sets are not flushed)
            var restarted = new NftablesServiceProxy(Options(sp));
            var first = (await DistinctBodiesAsync("http://10.97.0.30/", 1)).Single();
            await restarted.SyncAsync([svc]);
            Assert.Equal([first], await DistinctBodiesAsync("http://10.97.0.30/", 20));
        }
        finally
        {
            await proxy.CleanupAsync();
        }
    }

    [Fact]
    public async Task EndpointChangesConvergeAndARestartKeepsRulesAndConnections()
    {
        HostRequirements.Require(Tools);
        await using var sp = await ServicePods.StartAsync("sp3", "a", "b");
        var proxy = new NftablesServiceProxy(Options(sp));
        try
        {
            ProxyService Svc(params string[] pods) => new("default", "echo", IPAddress.Parse("10.97.0.40"),
            [
                new ProxyServicePort("http", ProxyProtocol.Tcp, 80, 31840, pods.Select(p => Ep(sp, p, 8080)).ToList()),
                new ProxyServicePort("echo", ProxyProtocol.Tcp, 9000, null, pods.Select(p => Ep(sp, p, 9000)).ToList()),
            ]);
            Assert.True(await proxy.SyncAsync([Svc("a", "b")]));
            Assert.False(await proxy.SyncAsync([Svc("a", "b")]), "a second identical sync must change nothing");
            var rulesBefore = await ListTableAsync();

            // an established connection through the ClusterIP
            using var conn = new TcpClient();
            await conn.ConnectAsync(IPAddress.Parse("10.97.0.40"), 9000);
            var stream = conn.GetStream();
            await EchoAsync(stream, "one");

            // "agent restart": a new proxy reconciles with the same state: same rules, connection intact
            var restarted = new NftablesServiceProxy(Options(sp));
            Assert.True(await restarted.SyncAsync([Svc("a", "b")]));
            Assert.Equal(rulesBefore, await ListTableAsync());
            await EchoAsync(stream, "two");

            // an endpoint goes: the change is in the kernel when SyncAsync returns
            var sw = Stopwatch.StartNew();
            await restarted.SyncAsync([Svc("a")]);
            var convergence = sw.Elapsed;
            Assert.True(convergence < TimeSpan.FromSeconds(1), $"sync took {convergence}");
            Assert.Equal(["a"], await DistinctBodiesAsync("http://10.97.0.40/", 20));
            Assert.Equal(["a"], await DistinctBodiesAsync("http://127.0.0.1:31840/", 10));
            Assert.DoesNotContain(sp.Pods["b"].PodIP.ToString(), await ListTableAsync());
            await EchoAsync(stream, "three");

            // and comes back, through the coalescing loop
            await using (var loop = new ServiceProxyLoop(restarted, TimeProvider.System, TimeSpan.FromMilliseconds(100)))
            {
                loop.Start();
                sw.Restart();
                var g = loop.Update([Svc("a", "b")]);
                await loop.WaitForAsync(g, TestContext.Current.CancellationToken);
                TestContext.Current.SendDiagnosticMessage($"endpoint removal sync {convergence.TotalMilliseconds:F0} ms; re-add through the loop {sw.Elapsed.TotalMilliseconds:F0} ms");
                Console.WriteLine($"[service-proxy convergence] removeMs={convergence.TotalMilliseconds:F0} loopAddMs={sw.Elapsed.TotalMilliseconds:F0}");
            }

            Assert.Equal(["a", "b"], await DistinctBodiesAsync("http://10.97.0.40/", 40));

            // services removed: only the fixed skeleton stays until cleanup
            await restarted.SyncAsync([]);
            Assert.DoesNotContain("svc-", await ListTableAsync());
            await EchoAsync(stream, "four");
        }
        finally
        {
            await proxy.CleanupAsync();
        }

        Assert.DoesNotContain("bt-svc", await HostCommand.RunCheckedAsync("nft", ["list", "tables"]));
    }

    private static Task<string> ListTableAsync() => HostCommand.RunCheckedAsync("nft", ["list", "table", "ip", "bt-svc"]);

    private static async Task EchoAsync(NetworkStream stream, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text + "\n");
        await stream.WriteAsync(bytes);
        var buf = new byte[bytes.Length];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await stream.ReadExactlyAsync(buf, cts.Token);
        Assert.Equal(text + "\n", Encoding.ASCII.GetString(buf));
    }

    private static async Task<string[]> DistinctBodiesAsync(string url, int requests)
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < requests; i++)
        {
            seen.Add(await Http.GetAsync(url));
        }

        return seen.Order().ToArray();
    }

    private static async Task<string[]> PodGetManyAsync(ServicePods sp, string pod, string url, int n)
    {
        var r = await NetnsExec.RunAsync(sp.NetnsOf(pod), "busybox", "sh", "-c",
            $"for i in $(busybox seq {n}); do busybox timeout 5 busybox wget -q -O - {url}; echo; done");
        Assert.True(r.Succeeded, r.StandardError);
        return r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static async Task AssertRefusedAsync(string host, int port)
    {
        using var c = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var e = await Assert.ThrowsAnyAsync<Exception>(async () => await c.ConnectAsync(IPAddress.Parse(host), port, cts.Token));
        Assert.True(e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }, $"{host}:{port}: expected a refusal, got {e.GetType().Name}: {e.Message}");
    }
}
