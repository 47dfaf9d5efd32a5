using System.Text.Json.Nodes;
using Berth.Network.Cni;
using Berth.Network.Pods;
using Xunit;

namespace Berth.Network.Tests.Cni;

[Trait("Tier", "Unit")]
public sealed class CniNetworkListTests
{
    private static readonly PodNetwork Net = new(new PodNetworkOptions { DataDirectory = "/var/lib/berth" });

    [Fact]
    public void TheBridgePluginGetsTheListNameVersionAndNoPrevResultOnTheFirstAdd()
    {
        var conf = Net.NetworkList.PluginConfig(0, null, null);
        Assert.Equal("bridge", conf["type"]!.GetValue<string>());
        Assert.Equal("berth", conf["name"]!.GetValue<string>());
        Assert.Equal("1.0.0", conf["cniVersion"]!.GetValue<string>());
        Assert.Equal("berth0", conf["bridge"]!.GetValue<string>());
        Assert.True(conf["isGateway"]!.GetValue<bool>());
        Assert.True(conf["ipMasq"]!.GetValue<bool>());
        Assert.True(conf["hairpinMode"]!.GetValue<bool>());
        Assert.Null(conf["prevResult"]);
        var range = conf["ipam"]!["ranges"]![0]![0]!;
        Assert.Equal("10.244.0.0/24", range["subnet"]!.GetValue<string>());
        Assert.Equal("10.244.0.1", range["gateway"]!.GetValue<string>());
        Assert.Equal("/var/lib/berth/network/ipam", conf["ipam"]!["dataDir"]!.GetValue<string>());
    }

    [Fact]
    public void PortmapGetsPrevResultAndOnlyTheCapabilitiesItDeclares()
    {
        var prev = new JsonObject { ["cniVersion"] = "1.0.0", ["ips"] = new JsonArray() };
        var caps = new Dictionary<string, JsonNode>
        {
            ["portMappings"] = new JsonArray(new JsonObject { ["hostPort"] = 8080, ["containerPort"] = 80, ["protocol"] = "tcp" }),
            ["bandwidth"] = new JsonObject { ["ingressRate"] = 1 },
        };
        var conf = Net.NetworkList.PluginConfig(1, prev, caps);
        Assert.Equal("portmap", conf["type"]!.GetValue<string>());
        Assert.Null(conf["capabilities"]);
        Assert.Equal(8080, conf["runtimeConfig"]!["portMappings"]![0]!["hostPort"]!.GetValue<int>());
        Assert.Null(conf["runtimeConfig"]!["bandwidth"]);
        Assert.Equal("1.0.0", conf["prevResult"]!["cniVersion"]!.GetValue<string>());
        Assert.True(conf["snat"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("6b0c6c43-3f0e-4c3b-9d55-0d2a4b7e1f00", "berth-6b0c6c433f0e")]
    [InlineData("ABCDEF12-3456-7890-abcd-ef1234567890", "berth-abcdef123456")]
    public void NetnsNamesAreThePrefixAndTwelveHexDigitsOfTheUid(string uid, string expected) =>
        Assert.Equal(expected, Net.NetnsNameOf(uid));

    [Fact]
    public void TheGatewayIsTheFirstAddressOfThePodCidr() =>
        Assert.Equal("10.244.3.1", new PodNetworkOptions { DataDirectory = "/d", PodCidr = System.Net.IPNetwork.Parse("10.244.3.0/24") }.GatewayAddress.ToString());
}
