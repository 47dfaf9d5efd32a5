using System.Diagnostics;
using System.Net;
using Berth.Network.Cni;
using Berth.Network.Host;
using Berth.Network.Pods;
using Berth.Network.Tests.Support;
using Xunit;

namespace Berth.Network.Tests.Pods;

[Trait("Tier", "Integration")]
public sealed class PodNetworkTests
{
    private static readonly string[] Tools = ["ip", "iptables", "busybox", "/usr/lib/cni/bridge", "/usr/lib/cni/host-local", "/usr/lib/cni/portmap", "/usr/lib/cni/loopback"];

    [Fact]
    public async Task TwoPodsReachEachOtherTheHostAndAHostPortThenLeaveNothing()
    {
        HostRequirements.Require(Tools);
        await using var node = new TestNode("pn1");
        var net = node.NewInstance();
        var www = Path.Combine(node.DataDirectory, "www");

        var a = await net.SetUpAsync(new PodNetworkRequest("default/a", Guid.NewGuid().ToString(), [new HostPortMapping(8080, 31801)]));
        var b = await net.SetUpAsync(new PodNetworkRequest("default/b", Guid.NewGuid().ToString()));
        Assert.NotEqual(a.PodIP, b.PodIP);
        Assert.True(node.Options.PodCidr.Contains(a.PodIP), $"{a.PodIP} outside {node.Options.PodCidr}");
        Assert.Equal(node.Options.GatewayAddress, a.Gateway);
        Assert.Equal("eth0", a.InterfaceName);
        Assert.True(File.Exists(a.NetnsPath));
        var nsA = Path.GetFileName(a.NetnsPath);
        var nsB = Path.GetFileName(b.NetnsPath);

        using (NetnsProcess.StartHttpd(nsA, 8080, "hello from a", Path.Combine(www, "a")))
        using (NetnsProcess.StartHttpd(nsB, 8080, "hello from b", Path.Combine(www, "b")))
        {
            await NetnsProcess.WaitForTcpAsync(a.PodIP.ToString(), 8080, TimeSpan.FromSeconds(10));
            await NetnsProcess.WaitForTcpAsync(b.PodIP.ToString(), 8080, TimeSpan.FromSeconds(10));

            // host -> pod
            Assert.Equal("hello from a", await Http.GetAsync($"http://{a.PodIP}:8080/"));
            Assert.Equal("hello from b", await Http.GetAsync($"http://{b.PodIP}:8080/"));

            // pod -> pod, both ways
            var ab = await NetnsExec.RunAsync(nsA, "timeout", "5", "busybox", "wget", "-q", "-O", "-", $"http://{b.PodIP}:8080/");
            Assert.True(ab.Succeeded, ab.StandardError);
            Assert.Equal("hello from b", ab.StandardOutput);
            var ba = await NetnsExec.RunAsync(nsB, "timeout", "5", "busybox", "wget", "-q", "-O", "-", $"http://{a.PodIP}:8080/");
            Assert.Equal("hello from a", ba.StandardOutput);

            // pod -> its gateway (where node-local services listen)
            var ping = await NetnsExec.RunAsync(nsA, "busybox", "ping", "-c", "1", "-W", "2", a.Gateway.ToString());
            Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);

            // hostPort through 127.0.0.1 and through the gateway address
            Assert.Equal("hello from a", await Http.GetAsync("http://127.0.0.1:31801/"));
        }

        var ours = new[]
        {
            CniChainNames.IpMasq(node.Options.NetworkName, a.PodUid),
            CniChainNames.IpMasq(node.Options.NetworkName, b.PodUid),
            CniChainNames.PortmapDnat(node.Options.NetworkName, a.PodUid),
        };
        var natBefore = await NatChainsAsync();
        Assert.All(ours, c => Assert.Contains(c, natBefore));

        await net.TearDownAsync(a.PodUid);
        await net.TearDownAsync(b.PodUid);

        Assert.False(File.Exists(a.NetnsPath));
        Assert.False(File.Exists(b.NetnsPath));
        Assert.Empty(await net.ListAsync());
        Assert.Empty(Directory.GetFileSystemEntries($"/sys/class/net/{node.Options.BridgeName}/brif"));
        Assert.Empty(IpamAllocations(node));
        var natAfter = await NatChainsAsync();
        Assert.All(ours, c => Assert.DoesNotContain(c, natAfter));
        Assert.DoesNotContain(await NatRulesMentioningAsync(a.PodIP.ToString()), r => r.Length > 0);
        Assert.DoesNotContain(await NatRulesMentioningAsync(b.PodIP.ToString()), r => r.Length > 0);

        // The last pod gone, the bridge stays until the node is cleaned up.
        Assert.True(Directory.Exists($"/sys/class/net/{node.Options.BridgeName}"));
        Assert.True(await net.CleanupHostAsync());
        Assert.False(Directory.Exists($"/sys/class/net/{node.Options.BridgeName}"));
        Assert.DoesNotContain(await NatChainsAsync(), c => c.StartsWith("CNI-HOSTPORT-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TenConcurrentSetUpsGetDistinctAddressesAndAllTearDown()
    {
        HostRequirements.Require(Tools);
        await using var node = new TestNode("pn2");
        var net = node.NewInstance();
        await net.InitializeAsync();
        var uids = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid().ToString()).ToList();

        var setupTimes = new List<double>();
        var sw = Stopwatch.StartNew();
        var statuses = await Task.WhenAll(uids.Select(async (u, i) =>
        {
            var t = Stopwatch.StartNew();
            var s = await net.SetUpAsync(new PodNetworkRequest($"default/p{i}", u));
            lock (setupTimes)
            {
                setupTimes.Add(t.Elapsed.TotalMilliseconds);
            }

            return s;
        }));
        var burst = sw.Elapsed;

        Assert.Equal(10, statuses.Select(s => s.PodIP).Distinct().Count());
        Assert.Equal(10, statuses.Select(s => s.NetnsPath).Distinct().Count());
        Assert.Equal(10, (await net.ListAsync()).Count);
        Assert.Equal(10, IpamAllocations(node).Count);

        // every pod answers from the host
        foreach (var s in statuses)
        {
            var ping = await HostCommand.RunAsync("busybox", ["ping", "-c", "1", "-W", "2", s.PodIP.ToString()]);
            Assert.True(ping.Succeeded, $"{s.PodIP}: {ping.StandardOutput}");
        }

        sw.Restart();
        await Task.WhenAll(uids.Select(u => net.TearDownAsync(u)));
        var teardown = sw.Elapsed;
        Assert.Empty(await net.ListAsync());
        Assert.Empty(IpamAllocations(node));
        Assert.Empty(NetworkNamespaces.List(node.Options.NetnsPrefix));

        // one pod at a time, for the latency figures
        var serial = new List<(double Up, double Down)>();
        for (var i = 0; i < 5; i++)
        {
            var u = Guid.NewGuid().ToString();
            var t = Stopwatch.StartNew();
            await net.SetUpAsync(new PodNetworkRequest($"default/s{i}", u));
            var up = t.Elapsed.TotalMilliseconds;
            t.Restart();
            await net.TearDownAsync(u);
            serial.Add((up, t.Elapsed.TotalMilliseconds));
        }

        TestContext.Current.SendDiagnosticMessage(
            $"10 concurrent set-ups: {burst.TotalMilliseconds:F0} ms (each {setupTimes.Min():F0}-{setupTimes.Max():F0} ms); " +
            $"10 concurrent teardowns: {teardown.TotalMilliseconds:F0} ms; serial set-up median {Median(serial.Select(s => s.Up)):F0} ms, teardown median {Median(serial.Select(s => s.Down)):F0} ms");
        Console.WriteLine($"[pod-network latency] burst10={burst.TotalMilliseconds:F0}ms teardown10={teardown.TotalMilliseconds:F0}ms serialUpMedian={Median(serial.Select(s => s.Up)):F0}ms serialDownMedian={Median(serial.Select(s => s.Down)):F0}ms");
    }

    [Fact]
    public async Task ANewInstanceAdoptsExistingPodsWithoutRecreatingThem()
    {
        HostRequirements.Require(Tools);
        await using var node = new TestNode("pn3");
        var first = node.NewInstance();
        var uid = Guid.NewGuid().ToString();
        var s1 = await first.SetUpAsync(new PodNetworkRequest("ns1/web", uid, [new HostPortMapping(80, 31802)]));
        var inode = NetnsInode(s1.NetnsPath);
        var veths = Directory.GetFileSystemEntries($"/sys/class/net/{node.Options.BridgeName}/brif").Order().ToList();

        // "agent restart": a new instance on the same data directory
        var second = node.NewInstance();
        var listed = Assert.Single(await second.ListAsync());
        Assert.Equal(s1, listed with { HostPorts = s1.HostPorts });
        Assert.Equal(s1.HostPorts, listed.HostPorts);
        var s2 = await second.SetUpAsync(new PodNetworkRequest("ns1/web", uid, [new HostPortMapping(80, 31802)]));
        Assert.Equal(s1.PodIP, s2.PodIP);
        Assert.Equal(s1.NetnsPath, s2.NetnsPath);
        Assert.Equal(inode, NetnsInode(s2.NetnsPath));
        Assert.Equal(veths, Directory.GetFileSystemEntries($"/sys/class/net/{node.Options.BridgeName}/brif").Order().ToList());
        Assert.Single(IpamAllocations(node));

        // garbage collection keeps live pods and removes the others
        var orphan = await second.SetUpAsync(new PodNetworkRequest("ns1/orphan", Guid.NewGuid().ToString()));
        Assert.Equal([orphan.PodUid], await second.GarbageCollectAsync(new HashSet<string> { uid }));
        Assert.False(File.Exists(orphan.NetnsPath));
        Assert.Single(await second.ListAsync());

        // teardown through the new instance, twice (idempotent), and of a UID never seen
        await second.TearDownAsync(uid);
        await second.TearDownAsync(uid);
        await second.TearDownAsync(Guid.NewGuid().ToString());
        Assert.Empty(IpamAllocations(node));
        Assert.False(File.Exists(s1.NetnsPath));
        Assert.DoesNotContain(CniChainNames.PortmapDnat(node.Options.NetworkName, uid), await NatChainsAsync());
        Assert.DoesNotContain(CniChainNames.IpMasq(node.Options.NetworkName, uid), await NatChainsAsync());
    }

    [Fact]
    public async Task ANetworkWhoseNetnsVanishedIsRebuiltAndALeftoverSetUpIsRolledBack()
    {
        HostRequirements.Require(Tools);
        await using var node = new TestNode("pn4");
        var net = node.NewInstance();
        var uid = Guid.NewGuid().ToString();
        var s1 = await net.SetUpAsync(new PodNetworkRequest("default/x", uid));

        // The pod's sandbox vanished (as after a host reboot, where /var/run is a tmpfs): SetUp rebuilds it.
        await net.TearDownAsync(uid);
        var s2 = await net.SetUpAsync(new PodNetworkRequest("default/x", uid));
        Assert.True(File.Exists(s2.NetnsPath));
        var ping = await HostCommand.RunAsync("busybox", ["ping", "-c", "1", "-W", "2", s2.PodIP.ToString()]);
        Assert.True(ping.Succeeded, ping.StandardOutput);
        Assert.Single(IpamAllocations(node));
        Assert.NotNull(s1);

        // A failed ADD (a host port another rule set cannot take: an invalid protocol) is rolled back entirely.
        var bad = Guid.NewGuid().ToString();
        await Assert.ThrowsAnyAsync<Exception>(() => net.SetUpAsync(new PodNetworkRequest("default/bad", bad, [new HostPortMapping(80, 31803, "bogus")])));
        Assert.DoesNotContain(await net.ListAsync(), p => p.PodUid == bad);
        Assert.Single(IpamAllocations(node));
        Assert.False(File.Exists(Path.Combine(NetworkNamespaces.Directory, net.NetnsNameOf(bad))));
    }

    private static List<string> IpamAllocations(TestNode node)
    {
        var dir = Path.Combine(node.Options.IpamDirectory, node.Options.NetworkName);
        return Directory.Exists(dir)
            ? Directory.GetFiles(dir).Select(Path.GetFileName).Where(f => IPAddress.TryParse(f, out _)).Select(f => f!).ToList()
            : [];
    }

    private static async Task<List<string>> NatChainsAsync() =>
        (await Iptables.ListRulesAsync("nat")).Where(r => r.Count == 2 && r[0] == "-N").Select(r => r[1]).ToList();

    private static async Task<List<string>> NatRulesMentioningAsync(string ip) =>
        (await Iptables.ListRulesAsync("nat")).Select(r => string.Join(' ', r)).Where(r => r.Contains(ip + "/", StringComparison.Ordinal) || r.Contains(ip + ":", StringComparison.Ordinal)).ToList();

    private static string NetnsInode(string path) => HostCommand.RunCheckedAsync("stat", ["-L", "-c", "%i", path]).GetAwaiter().GetResult().Trim();

    private static double Median(IEnumerable<double> xs)
    {
        var l = xs.Order().ToList();
        return l[l.Count / 2];
    }
}
