using System.Net;
using System.Text.Json.Nodes;
using Berth.Network.Policy;
using Xunit;

namespace Berth.Network.Tests.Policy;

[Trait("Tier", "Unit")]
public sealed class PolicyCompilerTests
{
    private static readonly PolicyPod Front = Pod("shop", "front", "10.0.0.2", ("app", "front"));
    private static readonly PolicyPod Back = Pod("shop", "back", "10.0.0.3", [new PolicyNamedPort("http", PolicyProtocol.Tcp, 8080), new PolicyNamedPort("dns", PolicyProtocol.Udp, 5353)], ("app", "back"));
    private static readonly PolicyPod Ops = Pod("ops", "probe", "10.0.0.4", ("app", "front"));
    private static readonly PolicyPod Remote = Pod("shop", "back-remote", "10.0.1.3", [new PolicyNamedPort("http", PolicyProtocol.Tcp, 9090)], ("app", "back"));

    private static PolicyPod Pod(string ns, string name, string ip, params (string, string)[] labels) => Pod(ns, name, ip, [], labels);

    private static PolicyPod Pod(string ns, string name, string ip, IReadOnlyList<PolicyNamedPort> ports, params (string K, string V)[] labels) =>
        new($"uid-{ns}-{name}", ns, name, IPAddress.Parse(ip), labels.ToDictionary(l => l.K, l => l.V), ports);

    private static NetworkPolicy Policy(string json, string ns = "shop") =>
        NetworkPolicyMapper.FromJson(JsonNode.Parse($$"""{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"{{ns}}"},"spec":{{json}}}""")!.AsObject());

    private static Dictionary<string, CompiledPodPolicy> Compile(params NetworkPolicy[] policies) =>
        PolicyCompiler.Compile(new PolicyState(
                [Front, Back, Ops],
                [Front, Back, Ops, Remote],
                [new PolicyNamespace("shop", new Dictionary<string, string> { ["team"] = "shop" }), new PolicyNamespace("ops", new Dictionary<string, string> { ["team"] = "ops" })],
                policies))
            .ToDictionary(c => c.Pod.Name);

    private static string[] Ips(CompiledRule r) => r.Addresses!.Select(a => a.ToString()).ToArray();

    [Fact]
    public void WithoutPoliciesNoPodIsIsolated()
    {
        var c = Compile();
        Assert.Equal(3, c.Count);
        Assert.All(c.Values, p => Assert.True(p.Ingress is null && p.Egress is null));
    }

    [Fact]
    public void APolicyIsolatesOnlyThePodsItSelectsInItsNamespace()
    {
        var c = Compile(Policy("""{"podSelector":{"matchLabels":{"app":"front"}}}"""));
        Assert.NotNull(c["front"].Ingress);
        Assert.Empty(c["front"].Ingress!);
        Assert.Null(c["front"].Egress);
        Assert.Null(c["back"].Ingress);
        Assert.Null(c["probe"].Ingress); // same labels, other namespace
    }

    [Fact]
    public void DefaultDenyWithAnEmptyPodSelectorIsolatesTheWholeNamespace()
    {
        var c = Compile(Policy("""{"podSelector":{},"policyTypes":["Ingress","Egress"]}"""));
        Assert.Empty(c["front"].Ingress!);
        Assert.Empty(c["front"].Egress!);
        Assert.Empty(c["back"].Ingress!);
        Assert.Null(c["probe"].Ingress);
    }

    [Fact]
    public void PolicyTypesDefaultToIngressPlusEgressWhenEgressRulesExist()
    {
        Assert.Equal(PolicyTypes.Ingress, Policy("""{"podSelector":{},"ingress":[{}]}""").Types);
        Assert.Equal(PolicyTypes.Ingress | PolicyTypes.Egress, Policy("""{"podSelector":{},"egress":[{}]}""").Types);
        Assert.Equal(PolicyTypes.Egress, Policy("""{"podSelector":{},"policyTypes":["Egress"]}""").Types);
    }

    [Fact]
    public void PeersResolveToPodAddresses()
    {
        // podSelector alone: own namespace only (ops/probe has the label too)
        var own = Compile(Policy("""{"podSelector":{"matchLabels":{"app":"back"}},"ingress":[{"from":[{"podSelector":{"matchLabels":{"app":"front"}}}]}]}"""));
        Assert.Equal(["10.0.0.2"], Ips(Assert.Single(own["back"].Ingress!)));

        // namespaceSelector alone: every pod of the selected namespaces
        var ns = Compile(Policy("""{"podSelector":{"matchLabels":{"app":"back"}},"ingress":[{"from":[{"namespaceSelector":{"matchLabels":{"team":"ops"}}}]}]}"""));
        Assert.Equal(["10.0.0.4"], Ips(Assert.Single(ns["back"].Ingress!)));

        // both in one peer: AND; the automatic kubernetes.io/metadata.name label works
        var both = Compile(Policy("""{"podSelector":{"matchLabels":{"app":"back"}},"ingress":[{"from":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"ops"}},"podSelector":{"matchLabels":{"app":"front"}}}]}]}"""));
        Assert.Equal(["10.0.0.4"], Ips(Assert.Single(both["back"].Ingress!)));

        // two peers: OR, one rule with both addresses; pods of other nodes count
        var either = Compile(Policy("""{"podSelector":{"matchLabels":{"app":"front"}},"ingress":[{"from":[{"namespaceSelector":{"matchLabels":{"team":"ops"}}},{"podSelector":{"matchLabels":{"app":"back"}}}]}]}"""));
        Assert.Equal(["10.0.0.3", "10.0.0.4", "10.0.1.3"], Ips(Assert.Single(either["front"].Ingress!)));
    }

    [Fact]
    public void APeerThatSelectsNobodyAllowsNothingButStillIsolates()
    {
        var c = Compile(Policy("""{"podSelector":{"matchLabels":{"app":"back"}},"ingress":[{"from":[{"podSelector":{"matchLabels":{"app":"nobody"}}}]}]}"""));
        Assert.Empty(c["back"].Ingress!);
    }

    [Fact]
    public void EmptyFromAndPortsMatchEverything()
    {
        var c = Compile(Policy("""{"podSelector":{"matchLabels":{"app":"back"}},"ingress":[{}]}"""));
        var r = Assert.Single(c["back"].Ingress!);
        Assert.True(r.Addresses is null && r.Block is null && r.Protocol is null);
    }

    [Fact]
    public void IpBlocksKeepTheirExceptionsAndHostBitsAreCleared()
    {
        var c = Compile(Policy("""{"podSelector":{"matchLabels":{"app":"back"}},"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.7/16","except":["10.0.1.0/24"]}}]}]}"""));
        var r = Assert.Single(c["back"].Ingress!);
        Assert.Equal("10.0.0.0/16", r.Block!.Cidr.ToString());
        Assert.Equal(["10.0.1.0/24"], r.Block.Except.Select(e => e.ToString()));
        Assert.True(r.Block.Contains(IPAddress.Parse("10.0.0.9")));
        Assert.False(r.Block.Contains(IPAddress.Parse("10.0.1.9")));
    }

    [Fact]
    public void PortsNumbersRangesProtocolsAndNamesResolvedOnTheSelectedPod()
    {
        var c = Compile(Policy("""
            {"podSelector":{"matchLabels":{"app":"back"}},"ingress":[{"ports":[
              {"port":80},{"protocol":"UDP","port":53},{"port":8000,"endPort":8100},{"protocol":"SCTP"},
              {"port":"http"},{"protocol":"UDP","port":"dns"},{"port":"dns"},{"port":"missing"}]}]}
            """));
        var rules = c["back"].Ingress!.Select(r => $"{r.Protocol}/{r.Port}-{r.EndPort}").ToArray();
        // "dns" over TCP does not exist on the pod (it is UDP), "missing" nowhere: both match nothing
        Assert.Equal(["Tcp/80-", "Udp/53-", "Tcp/8000-8100", "Sctp/-", "Tcp/8080-", "Udp/5353-"], rules);
    }

    [Fact]
    public void EgressNamedPortsResolvePerDestinationPod()
    {
        var c = Compile(Policy("""{"podSelector":{"matchLabels":{"app":"front"}},"policyTypes":["Egress"],"egress":[{"to":[{"podSelector":{"matchLabels":{"app":"back"}}}],"ports":[{"port":"http"}]}]}"""));
        var rules = c["front"].Egress!;
        Assert.Equal(2, rules.Count);
        Assert.Equal(["8080 10.0.0.3", "9090 10.0.1.3"], rules.Select(r => $"{r.Port} {string.Join(',', Ips(r))}"));
        Assert.Null(c["front"].Ingress);
    }

    [Fact]
    public void RulesOfAllPoliciesSelectingAPodAreUnited()
    {
        var a = Policy("""{"podSelector":{"matchLabels":{"app":"back"}},"ingress":[{"ports":[{"port":80}]}]}""") with { Name = "a" };
        var b = Policy("""{"podSelector":{},"ingress":[{"ports":[{"port":81}]},{"ports":[{"port":80}]}]}""") with { Name = "b" };
        var c = Compile(a, b);
        Assert.Equal([80, 81], c["back"].Ingress!.Select(r => r.Port!.Value));
        Assert.Equal([81, 80], c["front"].Ingress!.Select(r => r.Port!.Value));
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"In","values":["web","api"]}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["web"]}]}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"canary","operator":"NotIn","values":["x"]}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"Exists"}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"DoesNotExist"}]}""", false)]
    [InlineData("""{"matchLabels":{"tier":"web"},"matchExpressions":[{"key":"canary","operator":"DoesNotExist"}]}""", true)]
    [InlineData("""{"matchLabels":{"tier":"api"}}""", false)]
    [InlineData("""{}""", true)]
    public void SelectorsMatchAsApimachinery(string selector, bool matches)
    {
        var s = NetworkPolicyMapper.Selector(JsonNode.Parse(selector), "s")!;
        Assert.Equal(matches, s.Matches(new Dictionary<string, string> { ["tier"] = "web" }));
    }

    [Theory]
    [InlineData("""{"ingress":[{"from":[{}]}]}""", "spec.ingress[0].from[0]: must specify a peer")]
    [InlineData("""{"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/8"},"podSelector":{}}]}]}""", "may not specify both ipBlock and another peer")]
    [InlineData("""{"egress":[{"ports":[{"endPort":90}]}]}""", "spec.egress[0].ports[0].port: must be specified when endPort is specified")]
    [InlineData("""{"ingress":[{"ports":[{"protocol":"ICMP"}]}]}""", "spec.ingress[0].ports[0].protocol")]
    [InlineData("""{"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0"}}]}]}""", "is not a valid CIDR")]
    [InlineData("""{"podSelector":{"matchExpressions":[{"key":"a","operator":"Is"}]}}""", "not a valid selector operator")]
    public void InvalidPoliciesAreRefusedWithTheFieldPath(string spec, string message)
    {
        var e = Assert.Throws<FormatException>(() => Policy(spec));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PodsMapFromTheirJsonWithNamedPortsAndHostNetworkPodsAreLeftOut()
    {
        var pod = NetworkPolicyMapper.PodFromJson(JsonNode.Parse("""
            {"metadata":{"name":"web-1","namespace":"shop","uid":"u1","labels":{"app":"web"}},
             "spec":{"containers":[{"name":"c","ports":[{"name":"http","containerPort":8080},{"containerPort":9000},{"name":"q","containerPort":53,"protocol":"UDP"}]}]},
             "status":{"podIP":"10.244.0.9"}}
            """)!.AsObject())!;
        Assert.Equal(("u1", "shop", "web-1", "10.244.0.9"), (pod.Uid, pod.Namespace, pod.Name, pod.Address!.ToString()));
        Assert.Equal("web", pod.Labels["app"]);
        Assert.Equal([new PolicyNamedPort("http", PolicyProtocol.Tcp, 8080), new PolicyNamedPort("q", PolicyProtocol.Udp, 53)], pod.NamedPorts);
        Assert.Null(NetworkPolicyMapper.PodFromJson(JsonNode.Parse("""{"metadata":{"name":"h"},"spec":{"hostNetwork":true}}""")!.AsObject()));
        Assert.Null(NetworkPolicyMapper.PodFromJson(JsonNode.Parse("""{"metadata":{"name":"pending"},"spec":{}}""")!.AsObject())!.Address);
    }

    [Fact]
    public void TheStateOfANodeComesFromTheInformersObjects()
    {
        static JsonObject Pod(string name, string node, string? ip, string phase = "Running", bool host = false)
        {
            var status = new JsonObject { ["phase"] = phase };
            if (ip is not null)
            {
                status["podIP"] = ip;
            }

            return new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "shop", ["uid"] = name + "-uid", ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["nodeName"] = node, ["hostNetwork"] = host, ["containers"] = new JsonArray(new JsonObject { ["name"] = "c" }) },
                ["status"] = status,
            };
        }

        var invalid = new List<string>();
        var state = NetworkPolicyMapper.StateFromJson(
            "n1",
            [Pod("a", "n1", "10.0.0.2"), Pod("b", "n2", "10.0.1.2"), Pod("pending", "n1", null), Pod("done", "n1", "10.0.0.3", "Succeeded"), Pod("host", "n1", "192.0.2.1", host: true)],
            [JsonNode.Parse("""{"metadata":{"name":"shop","labels":{"team":"s"}}}""")!.AsObject()],
            [JsonNode.Parse("""{"metadata":{"name":"ok","namespace":"shop"},"spec":{"podSelector":{}}}""")!.AsObject(),
             JsonNode.Parse("""{"metadata":{"name":"bad","namespace":"shop"},"spec":{"ingress":[{"from":[{}]}]}}""")!.AsObject()],
            (what, e) => invalid.Add($"{what}: {e.Message}"));
        Assert.Equal(["a"], state.LocalPods.Select(p => p.Name));
        Assert.Equal(["a", "b"], state.Pods.Select(p => p.Name));
        Assert.Equal("s", Assert.Single(state.Namespaces).Labels["team"]);
        Assert.Equal("ok", Assert.Single(state.Policies).Name);
        Assert.Equal(["NetworkPolicy shop/bad: spec.ingress[0].from[0]: must specify a peer"], invalid);
    }
}
