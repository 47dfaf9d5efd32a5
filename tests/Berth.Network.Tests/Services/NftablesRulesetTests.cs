using System.Net;
using Berth.Network.Services;
using Xunit;

namespace Berth.Network.Tests.Services;

[Trait("Tier", "Unit")]
public sealed class NftablesRulesetTests
{
    private static readonly ServiceProxyOptions Options = new();
    private static readonly HashSet<string> None = [];

    private static ProxyService Web(bool affinity = false, params string[] ips) => new("shop", "web", IPAddress.Parse("10.96.0.20"),
        [new ProxyServicePort("http", ProxyProtocol.Tcp, 80, 30080, ips.Select(i => new ProxyEndpoint(IPAddress.Parse(i), 8080)).ToList())],
        affinity, 600);

    [Fact]
    public void AServicePortMapsItsClusterIpAndNodePortToARandomEndpoint()
    {
        var s = NftablesRuleset.Render([Web(false, "10.244.0.5", "10.244.0.6")], Options, None, None);
        Assert.Contains("add element ip berth service-ips { 10.96.0.20 . tcp . 80 : goto svc-shop/web/tcp/http }", s);
        Assert.Contains("add element ip berth service-nodeports { tcp . 30080 : goto ext-shop/web/tcp/http }", s);
        Assert.Contains("numgen random mod 2 vmap { 0 : goto ep-shop/web/tcp/http__10.244.0.5/8080, 1 : goto ep-shop/web/tcp/http__10.244.0.6/8080 }", s);
        Assert.Contains("add rule ip berth ep-shop/web/tcp/http__10.244.0.6/8080 meta l4proto tcp dnat to 10.244.0.6:8080", s);
        Assert.Contains("add rule ip berth ep-shop/web/tcp/http__10.244.0.6/8080 ip saddr 10.244.0.6 jump mark-for-masquerade", s);
        Assert.Contains("add rule ip berth svc-shop/web/tcp/http ip saddr != 10.244.0.0/16 jump mark-for-masquerade", s);
        Assert.Contains("add rule ip berth filter-output ip daddr 10.96.0.0/16 reject", s);
        Assert.DoesNotContain("flush table", s);
        Assert.DoesNotContain("aff-", s);
    }

    [Fact]
    public void ClientIpAffinityUsesOneTimedSetPerEndpoint()
    {
        var s = NftablesRuleset.Render([Web(true, "10.244.0.5")], Options, None, None);
        Assert.Contains("add set ip berth aff-shop/web/tcp/http__10.244.0.5/8080 { type ipv4_addr; flags dynamic,timeout; timeout 600s; }", s);
        Assert.Contains("add rule ip berth svc-shop/web/tcp/http ip saddr @aff-shop/web/tcp/http__10.244.0.5/8080 goto ep-shop/web/tcp/http__10.244.0.5/8080", s);
        Assert.Contains("update @aff-shop/web/tcp/http__10.244.0.5/8080 { ip saddr }", s);
    }

    [Fact]
    public void AnEndpointlessPortIsRejectedAndHeadlessServicesGetNothing()
    {
        var headless = new ProxyService("shop", "db", null, [new ProxyServicePort("", ProxyProtocol.Tcp, 5432, null, [new ProxyEndpoint(IPAddress.Parse("10.244.0.9"), 5432)])]);
        var s = NftablesRuleset.Render([Web(false), headless], Options, None, None);
        Assert.Contains("add element ip berth no-endpoint-nodeports { tcp . 30080 }", s);
        Assert.DoesNotContain("svc-shop/web", s);
        Assert.DoesNotContain("10.244.0.9", s);
    }

    [Fact]
    public void ObjectsThatAreNoLongerNeededAreDeletedAfterBeingFlushed()
    {
        var before = NftablesRuleset.Objects([Web(true, "10.244.0.5", "10.244.0.6")]);
        var s = NftablesRuleset.Render([Web(true, "10.244.0.5")], Options, before.Chains, before.Sets);
        var flush = s.IndexOf("flush chain ip berth ep-shop/web/tcp/http__10.244.0.6/8080", StringComparison.Ordinal);
        var delete = s.IndexOf("delete chain ip berth ep-shop/web/tcp/http__10.244.0.6/8080", StringComparison.Ordinal);
        Assert.True(flush >= 0 && delete > flush);
        Assert.Contains("delete set ip berth aff-shop/web/tcp/http__10.244.0.6/8080", s);
        Assert.DoesNotContain("delete chain ip berth ep-shop/web/tcp/http__10.244.0.5/8080", s);
    }

    [Fact]
    public void RenderingIsDeterministic() =>
        Assert.Equal(
            NftablesRuleset.Render([Web(false, "10.244.0.6", "10.244.0.5")], Options, None, None),
            NftablesRuleset.Render([Web(false, "10.244.0.6", "10.244.0.5")], Options, None, None));
}
