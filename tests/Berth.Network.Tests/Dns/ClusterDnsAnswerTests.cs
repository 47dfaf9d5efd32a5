using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Berth.Network.Dns;
using Xunit;

namespace Berth.Network.Tests.Dns;

[Trait("Tier", "Unit")]
public sealed class ClusterDnsAnswerTests
{
    private static readonly DnsService[] Services =
    [
        new("shop", "web", IPAddress.Parse("10.96.0.20"), [new("http", "TCP", 80), new("", "TCP", 8443)], [new(IPAddress.Parse("10.244.0.5"))]),
        new("shop", "db", null, [new("pg", "TCP", 5432)], [new(IPAddress.Parse("10.244.0.7"), "db-0"), new(IPAddress.Parse("10.244.0.8"), "db-1")]),
        new("shop", "legacy", null, [], [], "mail.example.org"),
    ];

    private static async Task<DnsMessage> AskAsync(string name, RecordType type)
    {
        await using var server = new ClusterDnsServer(new ClusterDnsOptions { Listen = [], Upstreams = [] });
        server.Update(Services);
        var q = new DnsMessage { IsRecursionDesired = true };
        q.Questions.Add(new DnsQuestion(DomainName.Parse(name), type, RecordClass.INet));
        return await server.AnswerAsync(q);
    }

    private static string[] Addresses(DnsMessage m) => m.AnswerRecords.OfType<ARecord>().Select(a => a.Address.ToString()).Order().ToArray();

    [Fact]
    public async Task AServiceNameIsItsClusterIp()
    {
        var m = await AskAsync("web.shop.svc.cluster.local", RecordType.A);
        Assert.Equal(ReturnCode.NoError, m.ReturnCode);
        Assert.True(m.IsAuthoritiveAnswer);
        Assert.Equal(["10.96.0.20"], Addresses(m));
    }

    [Fact]
    public async Task AHeadlessServiceNameIsItsEndpointsAndStatefulSetPodsHaveNames()
    {
        Assert.Equal(["10.244.0.7", "10.244.0.8"], Addresses(await AskAsync("db.shop.svc.cluster.local", RecordType.A)));
        Assert.Equal(["10.244.0.8"], Addresses(await AskAsync("db-1.db.shop.svc.cluster.local", RecordType.A)));
    }

    [Fact]
    public async Task SrvRecordsNameThePortAndTheTargets()
    {
        var m = await AskAsync("_http._tcp.web.shop.svc.cluster.local", RecordType.Srv);
        var srv = Assert.Single(m.AnswerRecords.OfType<SrvRecord>());
        Assert.Equal(80, srv.Port);
        Assert.Equal("web.shop.svc.cluster.local", srv.Target.ToString(true).TrimEnd('.'));
        Assert.Equal(["10.96.0.20"], m.AdditionalRecords.OfType<ARecord>().Select(a => a.Address.ToString()));

        var headless = await AskAsync("_pg._tcp.db.shop.svc.cluster.local", RecordType.Srv);
        Assert.Equal(["db-0.db.shop.svc.cluster.local.", "db-1.db.shop.svc.cluster.local."], headless.AnswerRecords.OfType<SrvRecord>().Select(s => s.Target.ToString(true)).Order());
    }

    [Fact]
    public async Task AaaaOfAKnownNameIsEmptyNoErrorAndUnknownNamesAreNxDomain()
    {
        var aaaa = await AskAsync("web.shop.svc.cluster.local", RecordType.Aaaa);
        Assert.Equal(ReturnCode.NoError, aaaa.ReturnCode);
        Assert.Empty(aaaa.AnswerRecords);
        Assert.Single(aaaa.AuthorityRecords.OfType<SoaRecord>());

        foreach (var n in (string[])["nope.shop.svc.cluster.local", "web.other.svc.cluster.local", "web.shop.svc.cluster.local.shop.svc.cluster.local", "x.cluster.local"])
        {
            var m = await AskAsync(n, RecordType.A);
            Assert.Equal(ReturnCode.NxDomain, m.ReturnCode);
            Assert.Single(m.AuthorityRecords.OfType<SoaRecord>());
        }

        Assert.Equal(ReturnCode.NoError, (await AskAsync("shop.svc.cluster.local", RecordType.A)).ReturnCode);
    }

    [Fact]
    public async Task ExternalNameIsACnameAndPodNamesDecodeTheirAddress()
    {
        var m = await AskAsync("legacy.shop.svc.cluster.local", RecordType.A);
        Assert.Equal("mail.example.org.", Assert.Single(m.AnswerRecords.OfType<CNameRecord>()).CanonicalName.ToString(true));
        Assert.Equal(["10.244.0.9"], Addresses(await AskAsync("10-244-0-9.shop.pod.cluster.local", RecordType.A)));
    }

    [Fact]
    public async Task PtrNamesClusterIpsAndNamedEndpoints()
    {
        var m = await AskAsync("20.0.96.10.in-addr.arpa", RecordType.Ptr);
        Assert.Equal("web.shop.svc.cluster.local.", Assert.Single(m.AnswerRecords.OfType<PtrRecord>()).PointerDomainName.ToString(true));
        var pod = await AskAsync("7.0.244.10.in-addr.arpa", RecordType.Ptr);
        Assert.Equal("db-0.db.shop.svc.cluster.local.", Assert.Single(pod.AnswerRecords.OfType<PtrRecord>()).PointerDomainName.ToString(true));
    }

    [Fact]
    public async Task OtherNamesWithoutUpstreamFailWithServFail() =>
        Assert.Equal(ReturnCode.ServerFailure, (await AskAsync("example.org", RecordType.A)).ReturnCode);
}
