using System.Net;
using Berth.Network.Dns;
using k8s.Models;
using Xunit;

namespace Berth.Network.Tests.Dns;

[Trait("Tier", "Unit")]
public sealed class ResolvConfTests
{
    private static readonly ResolvConf Host = ResolvConf.Parse("# host\nnameserver 10.255.255.53\nsearch corp.example\noptions edns0 timeout:2\n");
    private static readonly IPAddress[] ClusterDns = [IPAddress.Parse("10.244.0.1")];

    [Fact]
    public void ClusterFirstPointsAtClusterDnsWithKubeletsSearchPathAndNdots5() =>
        Assert.Equal(
            "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.244.0.1\noptions ndots:5\n",
            ResolvConf.ForPod(null, "shop", false, ClusterDns, "cluster.local", Host).ToString());

    [Fact]
    public void DefaultCopiesTheHostAndClusterFirstOnHostNetworkActsAsDefault()
    {
        var expected = "search corp.example\nnameserver 10.255.255.53\noptions edns0 timeout:2\n";
        Assert.Equal(expected, ResolvConf.ForPod("Default", "shop", false, ClusterDns, "cluster.local", Host).ToString());
        Assert.Equal(expected, ResolvConf.ForPod("ClusterFirst", "shop", true, ClusterDns, "cluster.local", Host).ToString());
        Assert.StartsWith("search shop.svc", ResolvConf.ForPod("ClusterFirstWithHostNet", "shop", true, ClusterDns, "cluster.local", Host).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void NoneTakesOnlyDnsConfigAndDnsConfigMergesIntoOthers()
    {
        var cfg = new V1PodDNSConfig
        {
            Nameservers = ["1.2.3.4"],
            Searches = ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "2" }, new V1PodDNSConfigOption { Name = "edns0" }],
        };
        Assert.Equal(
            "search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 1.2.3.4\noptions ndots:2 edns0\n",
            ResolvConf.ForPod("None", "shop", false, ClusterDns, "cluster.local", Host, cfg).ToString());
        var merged = ResolvConf.ForPod("ClusterFirst", "shop", false, ClusterDns, "cluster.local", Host, cfg);
        Assert.Equal(["10.244.0.1", "1.2.3.4"], merged.Nameservers.Select(n => n.ToString()));
        Assert.Equal(["ndots:2", "edns0"], merged.Options);
    }

    [Fact]
    public void ParsingKeepsTheLastSearchLineAndAtMostThreeNameserversOnOutput()
    {
        var r = ResolvConf.Parse("domain a.example\nsearch b.example c.example\nnameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\nnameserver 4.4.4.4\n");
        Assert.Equal(["b.example", "c.example"], r.Searches);
        Assert.Equal(3, ResolvConf.ForPod("Default", "x", false, [], "cluster.local", r).Nameservers.Count);
    }
}
