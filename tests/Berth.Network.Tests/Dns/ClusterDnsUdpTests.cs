using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Berth.Network.Dns;
using Xunit;

namespace Berth.Network.Tests.Dns;

/// <summary>The UDP fast path (SO_REUSEPORT loops + answer cache) against raw datagrams on loopback.</summary>
[Trait("Tier", "Integration")]
public sealed class ClusterDnsUdpTests
{
    private static readonly DnsService Web = new("shop", "web", IPAddress.Parse("10.97.0.50"), [new DnsServicePort("http", "TCP", 80)], []);

    private static async Task<(ClusterDnsServer Server, IPEndPoint Endpoint)> StartAsync(IReadOnlyList<IPEndPoint>? upstreams = null, int udpSockets = 4)
    {
        for (var attempt = 0; ; attempt++)
        {
            var ep = new IPEndPoint(IPAddress.Loopback, Random.Shared.Next(20000, 60000));
            var server = new ClusterDnsServer(new ClusterDnsOptions { Listen = [ep], Upstreams = upstreams ?? [], UdpSockets = udpSockets });
            try
            {
                server.Update([Web]);
                server.Start();
                return (server, ep);
            }
            catch (SocketException) when (attempt < 20)
            {
                await server.DisposeAsync();
            }
        }
    }

    private static async Task<byte[]> AskAsync(IPEndPoint server, byte[] query)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await s.ConnectAsync(server);
        await s.SendAsync(query);
        var buf = new byte[65535];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var n = await s.ReceiveAsync(buf, cts.Token);
        return buf[..n];
    }

    private static string[] Addresses(byte[] response) =>
        DnsMessage.Parse(response).AnswerRecords.OfType<ARecord>().Select(a => a.Address.ToString()).Order().ToArray();

    [Fact]
    public async Task CachedAnswersCarryTheQueryIdAndLetterCase()
    {
        var (server, ep) = await StartAsync();
        await using var _ = server;
        var first = DnsQueryKeyTests.Query(0x1234, "WEB.shop.svc.cluster.local");
        var r1 = await AskAsync(ep, first);
        Assert.Equal(0, server.CacheHits);
        var second = DnsQueryKeyTests.Query(0x4321, "web.SHOP.svc.Cluster.Local");
        var r2 = await AskAsync(ep, second);
        Assert.Equal(1, server.CacheHits);
        Assert.Equal(2, server.QueryCount);

        foreach (var (q, r) in new[] { (first, r1), (second, r2) })
        {
            Assert.Equal(q[..2], r[..2]); // ID
            Assert.Equal(q[12..(q.Length - 0)], r[12..q.Length]); // the question, byte for byte (0x20 letter case)
            var m = DnsMessage.Parse(r);
            Assert.True(m.IsAuthoritiveAnswer && m.IsRecursionDesired && !m.IsQuery);
            Assert.Equal(["10.97.0.50"], Addresses(r));
        }
    }

    [Fact]
    public async Task AnUpdateDropsEveryCachedAnswer()
    {
        var (server, ep) = await StartAsync();
        await using var _ = server;
        // Ask until an answer has come from the cache (the first answer is cached after it is sent, so
        // a second query racing it may still miss): the update below must drop that cached answer.
        for (var i = 0; i < 50 && server.CacheHits == 0; i++)
        {
            Assert.Equal(["10.97.0.50"], Addresses(await AskAsync(ep, DnsQueryKeyTests.Query((ushort)i, "web.shop.svc.cluster.local"))));
        }

        Assert.True(server.CacheHits > 0, "no answer ever came from the cache");
        server.Update([Web with { ClusterIP = IPAddress.Parse("10.97.0.51") }]);
        Assert.Equal(["10.97.0.51"], Addresses(await AskAsync(ep, DnsQueryKeyTests.Query(9, "web.shop.svc.cluster.local"))));
        server.Update([]);
        Assert.Equal(ReturnCode.NxDomain, DnsMessage.Parse(await AskAsync(ep, DnsQueryKeyTests.Query(10, "web.shop.svc.cluster.local"))).ReturnCode);
    }

    [Fact]
    public async Task ForwardedAnswersAreNeverCached()
    {
        var upstreamEp = new IPEndPoint(IPAddress.Loopback, Random.Shared.Next(20000, 60000));
        var asked = 0;
        var upstream = new DnsServer(new UdpServerTransport(upstreamEp, 2000));
        upstream.QueryReceived += (_, e) =>
        {
            Interlocked.Increment(ref asked);
            var q = (DnsMessage)e.Query;
            var r = q.CreateResponseInstance();
            r.IsAuthoritiveAnswer = true; // even an authoritative upstream answer has its own TTL: not ours to cache
            r.AnswerRecords.Add(new ARecord(q.Questions[0].Name, 60, IPAddress.Parse("198.51.100.7")));
            e.Response = r;
            return Task.CompletedTask;
        };
        upstream.Start();
        try
        {
            var (server, ep) = await StartAsync([upstreamEp]);
            await using var _ = server;
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(["198.51.100.7"], Addresses(await AskAsync(ep, DnsQueryKeyTests.Query((ushort)i, "example.test"))));
            }

            Assert.Equal(3, asked);
            Assert.Equal(0, server.CacheHits);
        }
        finally
        {
            upstream.Stop();
        }
    }

    [Fact]
    public async Task EdnsAndPlainQueriesGetTheirOwnAnswers()
    {
        var (server, ep) = await StartAsync();
        await using var _ = server;
        for (var i = 0; i < 2; i++)
        {
            Assert.True(DnsMessage.Parse(await AskAsync(ep, DnsQueryKeyTests.Query(1, "web.shop.svc.cluster.local", edns: true))).IsEDnsEnabled);
            Assert.False(DnsMessage.Parse(await AskAsync(ep, DnsQueryKeyTests.Query(2, "web.shop.svc.cluster.local"))).IsEDnsEnabled);
        }

        Assert.Equal(2, server.CacheHits);
    }

    [Fact]
    public async Task LargeAnswersAreTruncatedOverUdpAndCompleteOverTcp()
    {
        var (server, ep) = await StartAsync();
        await using var _ = server;
        var endpoints = Enumerable.Range(1, 60).Select(i => new DnsEndpoint(IPAddress.Parse($"10.250.3.{i}"))).ToList();
        server.Update([new DnsService("shop", "many", null, [], endpoints)]);
        for (var i = 0; i < 2; i++)
        {
            var m = DnsMessage.Parse(await AskAsync(ep, DnsQueryKeyTests.Query((ushort)i, "many.shop.svc.cluster.local")));
            Assert.True(m.IsTruncated);
            Assert.True(m.AnswerRecords.Count < 60);
        }

        var tcp = new DnsClient([IPAddress.Loopback], [new TcpClientTransport(ep.Port)], false, 3000);
        var full = await tcp.ResolveAsync(DomainName.Parse("many.shop.svc.cluster.local"), RecordType.A);
        Assert.Equal(60, full!.AnswerRecords.OfType<ARecord>().Count());
    }

    [Fact]
    public async Task GarbageDoesNotStopTheLoopsAndManyClientsAreAnsweredRight()
    {
        var (server, ep) = await StartAsync(udpSockets: 4);
        await using var _ = server;
        using (var g = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            await g.SendToAsync(new byte[] { 1, 2, 3 }, ep);
            await g.SendToAsync(new byte[300], ep);
            var pointer = DnsQueryKeyTests.Query(7, "web.shop.svc.cluster.local");
            pointer[12] = 0xc0;
            await g.SendToAsync(pointer, ep);
        }

        var names = Enumerable.Range(0, 20).Select(i => new DnsService("shop", $"s{i}", IPAddress.Parse($"10.97.1.{i + 1}"), [], [])).ToList();
        server.Update(names);
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async c =>
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            await s.ConnectAsync(ep);
            var buf = new byte[512];
            for (var i = 0; i < 200; i++)
            {
                var id = (ushort)(c * 1000 + i);
                await s.SendAsync(DnsQueryKeyTests.Query(id, $"s{i % 20}.shop.svc.cluster.local"));
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                var n = await s.ReceiveAsync(buf, cts.Token);
                var m = DnsMessage.Parse(buf[..n]);
                Assert.Equal(id, m.TransactionID);
                Assert.Equal($"10.97.1.{i % 20 + 1}", Assert.Single(m.AnswerRecords.OfType<ARecord>()).Address.ToString());
            }
        }));
        Assert.True(server.CacheHits >= 1600 - 20 * 8, $"cache hits {server.CacheHits}"); // at most every client misses each name once
        TestContext.Current.SendDiagnosticMessage($"1600 closed-loop queries over 8 clients in {sw.ElapsedMilliseconds} ms, {server.CacheHits} from the cache");
    }

    [Fact]
    public async Task AFailedStartReleasesWhatItBound()
    {
        // TCP taken by someone else: Start fails, and the UDP sockets it had bound are closed again
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        tcp.Listen();
        var ep = (IPEndPoint)tcp.LocalEndPoint!;
        await using var server = new ClusterDnsServer(new ClusterDnsOptions { Listen = [ep], Upstreams = [], UdpSockets = 2 });
        Assert.ThrowsAny<SocketException>(server.Start);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(ep);
    }

    [Fact]
    public async Task DisposingReleasesTheAddress()
    {
        var (server, ep) = await StartAsync(udpSockets: 3);
        Assert.Equal(["10.97.0.50"], Addresses(await AskAsync(ep, DnsQueryKeyTests.Query(1, "web.shop.svc.cluster.local"))));
        var sw = Stopwatch.StartNew();
        await server.DisposeAsync();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), $"dispose took {sw.Elapsed}");

        // a socket without SO_REUSEPORT can only bind when no socket of the server is left
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(ep);
    }
}
