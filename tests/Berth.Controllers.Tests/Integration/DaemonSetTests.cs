using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Tests.Support;
using Xunit;

namespace Berth.Controllers.Tests.Integration;

[Trait("Tier", "Integration")]
public sealed class DaemonSetTests
{
    [Fact]
    public async Task Daemon_set_covers_every_eligible_node_and_rolls_one_node_at_a_time()
    {
        await using var cluster = await TestCluster.StartAsync();
        var sets = cluster.Type("apps", "daemonsets");
        var edge = new Dictionary<string, string> { ["role"] = "edge" };
        await cluster.AddNodeAsync("bt-edge-1", edge);
        await cluster.AddNodeAsync("bt-edge-2", edge, taints: new JsonArray(new JsonObject { ["key"] = "dedicated", ["value"] = "gpu", ["effect"] = "NoSchedule" }));
        await cluster.AddNodeAsync("bt-core-1");
        var ns = await cluster.NamespaceAsync("ds");
        var template = TestObjects.Template("agent");
        template["spec"]!["nodeSelector"] = new JsonObject { ["role"] = "edge" };
        await cluster.CreateAsync(sets, new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "DaemonSet",
            ["metadata"] = new JsonObject { ["name"] = "agent", ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "agent" } },
                ["template"] = template,
                ["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = 1 } },
            },
        });

        async Task<JsonObject> RolledOut(int desired) => await Wait.ForAsync(() => cluster.GetAsync(sets, ns, "agent"),
            ds => RolloutStatus.DaemonSet(ds).Done && Json.Long(ds, "status", "desiredNumberScheduled") == desired
                && Json.Long(ds, "status", "numberMisscheduled") == 0 && Json.Long(ds, "status", "currentNumberScheduled") == desired,
            $"daemon set rolled out on {desired} nodes", describe: ds => RolloutStatus.DaemonSet(ds).Message + " " + ds["status"]?.ToJsonString());
        async Task<Dictionary<string, JsonObject>> PodsByNode() =>
            (await cluster.LivePodsAsync(ns)).ToDictionary(p => Json.String(p, "spec", "nodeName") ?? "?", p => p);

        // Only bt-edge-1: bt-edge-2's NoSchedule taint is not tolerated, bt-core-1 lacks the label.
        var ds = await RolledOut(1);
        var pods = await PodsByNode();
        Assert.Equal(["bt-edge-1"], pods.Keys);
        var pinned = pods["bt-edge-1"]["spec"]!["affinity"]!["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]![0]!["matchFields"]![0]!;
        Assert.Equal("metadata.name", Json.String(pinned, "key"));
        Assert.Equal("bt-edge-1", pinned["values"]![0]!.GetValue<string>());
        Assert.Contains(Json.Array(pods["bt-edge-1"], "spec", "tolerations")!.OfType<JsonObject>(),
            t => Json.String(t, "key") == "node.kubernetes.io/unreachable" && Json.String(t, "effect") == "NoExecute");
        Assert.Equal(1, Json.Long(ds, "status", "numberReady"));

        // Tolerating the taint adds bt-edge-2; a new edge node gets a pod too.
        await cluster.UpdateAsync(sets, ns, "agent", d => d["spec"]!["template"]!["spec"]!["tolerations"] = new JsonArray(new JsonObject
        {
            ["key"] = "dedicated",
            ["operator"] = "Equal",
            ["value"] = "gpu",
            ["effect"] = "NoSchedule",
        }));
        await cluster.AddNodeAsync("bt-edge-3", edge);
        await RolledOut(3);
        Assert.Equal(["bt-edge-1", "bt-edge-2", "bt-edge-3"], (await PodsByNode()).Keys.Order());

        // An image change replaces pods with at most maxUnavailable (1) node short of a ready pod.
        cluster.Kubelet.SetPolicy(ns, _ => new PodPlan(PodOutcome.RunReady, TimeSpan.FromMilliseconds(100)));
        using var floor = new ReadyFloorMonitor(cluster, ns);
        await floor.StartAsync();
        await cluster.UpdateAsync(sets, ns, "agent", d => d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:1.28");
        await Wait.ForAsync(() => cluster.GetAsync(sets, ns, "agent"), d => Json.Long(d, "status", "observedGeneration") == Json.Long(d, "metadata", "generation"), "generation observed");
        await RolledOut(3);
        await Wait.UntilAsync(async () => (await cluster.ListAsync(cluster.Pods, ns)).Count == 3, "old pods gone");
        var seen = await floor.StopAsync();
        Assert.True(seen.Min >= 2, $"ready daemon pods fell to {seen.Min}\n{floor.Log}");
        Assert.All((await PodsByNode()).Values, p => Assert.Equal("nginx:1.28", Json.String(p["spec"]!["containers"]![0], "image")));

        // A node that stops matching loses its pod.
        await cluster.UpdateAsync(cluster.Nodes, null, "bt-edge-3", n => ((JsonObject)n["metadata"]!["labels"]!).Remove("role"));
        await RolledOut(2);
        await Wait.UntilAsync(async () => (await PodsByNode()).Keys.Order().SequenceEqual(["bt-edge-1", "bt-edge-2"]), "pod on bt-edge-3 removed");
    }
}
