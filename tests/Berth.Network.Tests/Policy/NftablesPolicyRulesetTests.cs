using System.Net;
using System.Text.Json.Nodes;
using Berth.Network.Policy;
using Xunit;

namespace Berth.Network.Tests.Policy;

[Trait("Tier", "Unit")]
public sealed class NftablesPolicyRulesetTests
{
    private static readonly PolicyPod Front = new("u1", "shop", "front", IPAddress.Parse("10.0.0.2"), new Dictionary<string, string> { ["app"] = "front" });
    private static readonly PolicyPod Back = new("u2", "shop", "back", IPAddress.Parse("10.0.0.3"), new Dictionary<string, string> { ["app"] = "back" });

    private static string Render(string spec, NetworkPolicyOptions? options = null)
    {
        var policy = NetworkPolicyMapper.FromJson(JsonNode.Parse($$"""{"metadata":{"name":"p","namespace":"shop"},"spec":{{spec}}}""")!.AsObject());
        var compiled = PolicyCompiler.Compile(new PolicyState([Front, Back], [Front, Back], [], [policy]));
        return NftablesPolicyRuleset.Render(compiled, options ?? new NetworkPolicyOptions { TableName = "t" });
    }

    private static string[] Lines(string script) => script.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void TheTableIsReplacedInOneTransactionAndEstablishedTrafficPassesFirst()
    {
        var lines = Lines(Render("""{"podSelector":{}}"""));
        Assert.Equal(
        [
            "add table ip t",
            "delete table ip t",
            "add table ip t",
            "add chain ip t forward { type filter hook forward priority filter; policy accept; }",
            "add map ip t ingress-pods { type ipv4_addr : verdict; }",
            "add map ip t egress-pods { type ipv4_addr : verdict; }",
            "add rule ip t forward ct state established,related accept",
            "add rule ip t forward ip saddr vmap @egress-pods",
            "add rule ip t forward ip daddr vmap @ingress-pods",
        ], lines[..9]);
    }

    [Fact]
    public void ADefaultDenyChainLetsOnlyThePodItselfThrough()
    {
        var lines = Lines(Render("""{"podSelector":{"matchLabels":{"app":"back"}}}"""));
        Assert.Equal(
        [
            "add chain ip t in-shop/back",
            "add rule ip t in-shop/back ip saddr 10.0.0.3 accept",
            "add rule ip t in-shop/back meta l4proto tcp ct status & dnat == 0 reject with tcp reset",
            "add rule ip t in-shop/back reject with icmp type admin-prohibited",
            "add element ip t ingress-pods { 10.0.0.3 : jump in-shop/back }",
        ], lines[9..]);
    }

    [Fact]
    public void AllowRulesMatchPeersAndPortsAndEgressReturnsToTheIngressCheck()
    {
        var script = Render("""
            {"podSelector":{"matchLabels":{"app":"front"}},"policyTypes":["Ingress","Egress"],
             "ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/8","except":["10.9.0.0/16","10.8.0.0/16"]}}],"ports":[{"port":8000,"endPort":8100}]}],
             "egress":[{"to":[{"podSelector":{"matchLabels":{"app":"back"}}}],"ports":[{"protocol":"UDP","port":53}]},{"to":[{"podSelector":{}}]}]}
            """, new NetworkPolicyOptions { TableName = "t", DenyAction = PolicyDenyAction.Drop });
        Assert.Contains("add rule ip t in-shop/front ip saddr 10.0.0.0/8 ip saddr != { 10.9.0.0/16, 10.8.0.0/16 } meta l4proto tcp th dport 8000-8100 accept comment \"shop/p ingress[0]\"\n", script);
        Assert.Contains("add rule ip t eg-shop/front ip daddr 10.0.0.2 return\n", script);
        Assert.Contains("add rule ip t eg-shop/front ip daddr 10.0.0.3 meta l4proto udp th dport 53 return comment \"shop/p egress[0]\"\n", script);
        Assert.Contains("add set ip t peers-0 { type ipv4_addr; elements = { 10.0.0.2, 10.0.0.3 }; }\n", script);
        Assert.Contains("add rule ip t eg-shop/front ip daddr @peers-0 return comment \"shop/p egress[1]\"\n", script);
        Assert.Contains("add rule ip t eg-shop/front drop\n", script);
        Assert.Contains("add element ip t egress-pods { 10.0.0.2 : jump eg-shop/front }\n", script);
        Assert.DoesNotContain("reject", script);
    }

    [Fact]
    public void PodsSelectedByOneRuleShareOneSetOfPeers()
    {
        var script = Render("""{"podSelector":{},"ingress":[{"from":[{"podSelector":{}}]}]}""");
        Assert.Single(Lines(script), l => l.StartsWith("add set ", StringComparison.Ordinal));
        Assert.Contains("add rule ip t in-shop/back ip saddr @peers-0 accept", script);
        Assert.Contains("add rule ip t in-shop/front ip saddr @peers-0 accept", script);
    }

    [Fact]
    public void RenderingIsDeterministic()
    {
        const string spec = """{"podSelector":{},"ingress":[{"from":[{"podSelector":{}}]}]}""";
        Assert.Equal(Render(spec), Render(spec));
    }
}
