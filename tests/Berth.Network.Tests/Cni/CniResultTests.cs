using System.Text.Json.Nodes;
using Berth.Network.Cni;
using Xunit;

namespace Berth.Network.Tests.Cni;

[Trait("Tier", "Unit")]
public sealed class CniResultTests
{
    // The shape the bridge plugin v1.1.1 prints (captured on this machine, trimmed).
    private const string BridgeResult = """
        {
          "cniVersion": "1.0.0",
          "interfaces": [
            { "name": "berth0", "mac": "1a:da:37:d6:20:d0" },
            { "name": "vethcc71bd53", "mac": "42:18:15:b6:30:44" },
            { "name": "eth0", "mac": "ea:a2:f9:ee:8c:13", "sandbox": "/var/run/netns/berth-1" }
          ],
          "ips": [ { "interface": 2, "address": "10.244.0.7/24", "gateway": "10.244.0.1" } ],
          "routes": [ { "dst": "0.0.0.0/0" } ],
          "dns": {}
        }
        """;

    [Fact]
    public void TheSandboxInterfaceAddressIsThePodIp()
    {
        var r = CniResult.Parse((JsonObject)JsonNode.Parse(BridgeResult)!, "eth0");
        Assert.Equal("10.244.0.7", r.Address.ToString());
        Assert.Equal(24, r.PrefixLength);
        Assert.Equal("10.244.0.1", r.Gateway!.ToString());
    }

    [Fact]
    public void AResultWithoutAnAddressOnTheInterfaceIsRefused() =>
        Assert.Throws<FormatException>(() => CniResult.Parse((JsonObject)JsonNode.Parse(BridgeResult)!, "net1"));

    [Fact]
    public void ChainNamesFollowThePluginsHashing()
    {
        var masq = CniChainNames.IpMasq("berth", "abc");
        var dn = CniChainNames.PortmapDnat("berth", "abc");
        Assert.Equal(28, masq.Length);
        Assert.StartsWith("CNI-", masq, StringComparison.Ordinal);
        Assert.StartsWith("CNI-DN-", dn, StringComparison.Ordinal);
        Assert.Equal(masq[4..25], dn[7..]);
    }
}
