using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Agent.Policy;
using Berth.Network.Policy;
using Xunit;

namespace Berth.Agent.Tests.Policy;

/// <summary>The node-wide pod cache keeps only what policy reads of a pod, mapped once: it must map as the whole pod does.</summary>
[Trait("Tier", "Unit")]
public sealed class PolicyViewTests
{
    [Fact]
    public void AnEntryKeepsTheMappedPodAndWhatTheStateReadsBesides()
    {
        var pod = JsonElement.Parse("""
            {"metadata":{"name":"web-1","namespace":"shop","uid":"u-1","labels":{"app":"web"}},
             "spec":{"nodeName":"n1","containers":[{"name":"web","ports":[{"name":"http","containerPort":8080}]}]},
             "status":{"phase":"Running","podIP":"10.1.0.7"}}
            """);
        var entry = PolicyPodEntry.From(pod);
        Assert.Equal(("shop", "web-1", "u-1", "n1", "Running"), (entry.Namespace, entry.Name, entry.Uid, entry.NodeName, entry.Phase));
        Assert.Null(entry.Invalid);
        Assert.Equal(System.Net.IPAddress.Parse("10.1.0.7"), entry.Pod!.Address);
        Assert.Equal("web", entry.Pod.Labels["app"]);
        Assert.Equal([new PolicyNamedPort("http", PolicyProtocol.Tcp, 8080)], entry.Pod.NamedPorts);

        // A listed pod (a tree) maps the same.
        Assert.Equal(entry.Pod.NamedPorts, PolicyPodEntry.From(JsonNode.Parse(pod.GetRawText())!.AsObject()).Pod!.NamedPorts);

        var host = PolicyPodEntry.From(JsonElement.Parse("""{"metadata":{"name":"h","uid":"u-2"},"spec":{"hostNetwork":true}}"""));
        Assert.Null(host.Pod);
        Assert.Null(host.Invalid);

        var unreadable = PolicyPodEntry.From(JsonElement.Parse("""{"metadata":{"name":"x","uid":"u-3"},"spec":{"containers":[{"ports":[{"name":"p","containerPort":1,"protocol":"ICMP"}]}]}}"""));
        Assert.Null(unreadable.Pod);
        Assert.NotNull(unreadable.Invalid);
    }

    [Fact]
    public void ThePolicyViewMapsLikeTheWholePodAndDropsTheRest()
    {
        var pod = JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"web-1","namespace":"shop","uid":"u-1","labels":{"app":"web","tier":"front"},"annotations":{"big":"x"},"managedFields":[{"manager":"kubectl"}]},
             "spec":{"nodeName":"n1","containers":[{"name":"web","image":"i","env":[{"name":"A","value":"1"}],"ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}]}],
                     "initContainers":[{"name":"side","image":"j","ports":[{"name":"metrics","containerPort":9090}]}],"volumes":[{"name":"v","emptyDir":{}}]},
             "status":{"phase":"Running","podIP":"10.1.0.7","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"web"}]}}
            """)!.AsObject();

        var view = PolicyPodEntry.PolicyView(JsonElement.Parse(pod.ToJsonString()));
        var whole = NetworkPolicyMapper.PodFromJson(pod)!;
        var fromView = NetworkPolicyMapper.PodFromJson(view)!;
        Assert.Equal(whole.Uid, fromView.Uid);
        Assert.Equal(whole.Namespace, fromView.Namespace);
        Assert.Equal(whole.Name, fromView.Name);
        Assert.Equal(whole.Address, fromView.Address);
        Assert.Equal(whole.Labels.OrderBy(l => l.Key), fromView.Labels.OrderBy(l => l.Key));
        Assert.Equal(whole.NamedPorts, fromView.NamedPorts);
        Assert.Equal("n1", view["spec"]!["nodeName"]!.GetValue<string>());
        Assert.Equal("Running", view["status"]!["phase"]!.GetValue<string>());
        Assert.Null(view["metadata"]!["annotations"]);
        Assert.Null(view["status"]!["conditions"]);
        Assert.True(view.ToJsonString().Length < pod.ToJsonString().Length);
        Assert.Equal(2, view["spec"]!["containers"]![0]!.AsObject().Count);
        Assert.Equal("side", view["spec"]!["initContainers"]![0]!["name"]!.GetValue<string>());

        // The view holds copies, not values that point into the parsed pod: those would keep its whole text alive.
        Assert.False(view["metadata"]!["labels"]!["app"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.False(view["metadata"]!["uid"]!.AsValue().TryGetValue<JsonElement>(out _));
        Assert.False(view["status"]!["podIP"]!.AsValue().TryGetValue<JsonElement>(out _));
    }
}
