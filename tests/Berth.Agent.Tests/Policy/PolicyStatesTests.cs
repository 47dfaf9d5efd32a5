using System.Net;
using System.Text.Json.Nodes;
using Berth.Agent.Policy;
using Berth.Network.Policy;
using Xunit;

namespace Berth.Agent.Tests.Policy;

[Trait("Tier", "Unit")]
public sealed class PolicyStatesTests
{
    private static JsonObject Pod(string uid, string name, string node, string? ip, string phase = "Running")
    {
        var status = new JsonObject { ["phase"] = phase };
        if (ip is not null)
        {
            status["podIP"] = ip;
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["uid"] = uid, ["name"] = name, ["namespace"] = "shop", ["labels"] = new JsonObject { ["app"] = name } },
            ["spec"] = JsonNode.Parse($$"""{"nodeName":"{{node}}","containers":[{"name":"c","ports":[{"name":"http","containerPort":8080}]}]}"""),
            ["status"] = status,
        };
    }

    private static readonly JsonObject[] Namespaces = [JsonNode.Parse("""{"metadata":{"name":"shop"}}""")!.AsObject()];

    private static readonly JsonObject[] Policies =
    [
        JsonNode.Parse("""{"metadata":{"name":"deny","namespace":"shop"},"spec":{"podSelector":{"matchLabels":{"app":"back"}},"policyTypes":["Ingress"]}}""")!.AsObject(),
    ];

    [Fact]
    public void LocalPodsTakeTheirNetworksAddressOthersTheirStatusAndFinishedOrUnwiredPodsAreLeftOut()
    {
        var pods = new[]
        {
            Pod("u1", "back", "n1", null),                       // local, network set up, status not written yet
            Pod("u2", "front", "n1", "10.0.0.9"),                // local, network torn down: the API's old address must not count
            Pod("u3", "remote", "n2", "10.1.0.5"),               // another node's pod: a peer at status.podIP
            Pod("u4", "done", "n2", "10.1.0.6", "Succeeded"),    // finished: its address may be reused
            Pod("u5", "pending", "n2", null),                    // no address anywhere
        };
        var local = new Dictionary<string, IPAddress> { ["u1"] = IPAddress.Parse("10.0.0.2") };

        var state = PolicyStates.Build("n1", pods.Select(PolicyPodEntry.From), Namespaces, Policies, local);

        var back = Assert.Single(state.LocalPods);
        Assert.Equal(("u1", IPAddress.Parse("10.0.0.2")), (back.Uid, back.Address));
        Assert.Equal([new PolicyNamedPort("http", PolicyProtocol.Tcp, 8080)], back.NamedPorts);
        Assert.Equal(["u1", "u3"], state.Pods.Select(p => p.Uid).Order());
        Assert.Equal(IPAddress.Parse("10.1.0.5"), state.Pods.Single(p => p.Uid == "u3").Address);
        Assert.Equal("deny", Assert.Single(state.Policies).Name);
        Assert.Equal("shop", Assert.Single(state.Namespaces).Name);
    }

    [Fact]
    public void AnUnreadablePodIsReportedAndLeftOut()
    {
        var bad = Pod("u9", "bad", "n2", "10.1.0.9");
        bad["spec"]!["containers"]![0]!["ports"]![0]!["protocol"] = "ICMP";
        var reported = new List<string>();

        var state = PolicyStates.Build("n1", [PolicyPodEntry.From(bad), PolicyPodEntry.From(Pod("u3", "remote", "n2", "10.1.0.5"))], Namespaces, Policies,
            new Dictionary<string, IPAddress>(), (what, _) => reported.Add(what));

        Assert.Equal(["u3"], state.Pods.Select(p => p.Uid));
        Assert.Equal(["Pod shop/bad"], reported);
    }

    [Fact]
    public void InvalidPolicyIsReportedAndLeftOut()
    {
        var bad = JsonNode.Parse("""{"metadata":{"name":"bad","namespace":"shop"},"spec":{"podSelector":{},"ingress":[{"ports":[{"protocol":"ICMP","port":1}]}]}}""")!.AsObject();
        var reported = new List<string>();

        var state = PolicyStates.Build("n1", [], Namespaces, [.. Policies, bad], new Dictionary<string, IPAddress>(), (what, _) => reported.Add(what));

        Assert.Equal("deny", Assert.Single(state.Policies).Name);
        Assert.Single(reported);
    }
}
