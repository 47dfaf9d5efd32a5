using System.Text.Json.Nodes;
using Berth.Agent.Policy;
using Berth.Network.Policy;
using Xunit;

namespace Berth.Agent.Tests.Policy;

/// <summary>The node-wide pod cache keeps only the policy view of a pod: the policy mapping must read the same from it.</summary>
[Trait("Tier", "Unit")]
public sealed class PolicyViewTests
{
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

        var view = PolicySync.PolicyView(pod);
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

        // The view holds copies, not values that point into the parsed pod: those would keep its whole text alive.
        Assert.False(view["metadata"]!["labels"]!["app"]!.AsValue().TryGetValue<System.Text.Json.JsonElement>(out _));
        Assert.False(view["metadata"]!["uid"]!.AsValue().TryGetValue<System.Text.Json.JsonElement>(out _));
        Assert.False(view["status"]!["podIP"]!.AsValue().TryGetValue<System.Text.Json.JsonElement>(out _));
    }
}
