using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Tests.Support;
using Xunit;

namespace Berth.Controllers.Tests.Integration;

[Trait("Tier", "Integration")]
public sealed class NodeLifecycleTests
{
    [Fact]
    public async Task Silent_node_is_tainted_its_pods_evicted_after_their_toleration_and_recovers()
    {
        await using var cluster = await TestCluster.StartAsync(new WorkloadOptions
        {
            NodeMonitorGracePeriod = TimeSpan.FromSeconds(2),
            NodeMonitorPeriod = TimeSpan.FromMilliseconds(200),
        });
        await cluster.AddNodeAsync("bt-flaky");
        var ns = await cluster.NamespaceAsync("lifecycle");
        var onFlaky = new JsonObject { ["nodeSelector"] = new JsonObject { ["kubernetes.io/hostname"] = "bt-flaky" } };
        JsonObject Pod(string name, JsonArray? tolerations = null)
        {
            var spec = (JsonObject)onFlaky.DeepClone();
            if (tolerations is not null)
            {
                spec["tolerations"] = tolerations;
            }

            return TestObjects.Pod(ns, name, extraSpec: spec);
        }

        await cluster.CreateAsync(cluster.Pods, Pod("quick", new JsonArray(new JsonObject
        {
            ["key"] = "node.kubernetes.io/unreachable", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 1,
        })));
        await cluster.CreateAsync(cluster.Pods, Pod("stays", new JsonArray(new JsonObject
        {
            ["key"] = "node.kubernetes.io/unreachable", ["operator"] = "Exists", ["effect"] = "NoExecute",
        })));
        // No toleration of its own: the API server's DefaultTolerationSeconds gives it 300 s.
        var patient = await cluster.CreateAsync(cluster.Pods, Pod("patient"));
        Assert.Contains(Json.Array(patient, "spec", "tolerations")!.OfType<JsonObject>(),
            t => Json.String(t, "key") == "node.kubernetes.io/unreachable" && Json.Long(t, "tolerationSeconds") == 300);
        await Wait.UntilAsync(async () => (await cluster.ListAsync(cluster.Pods, ns)).All(p => Json.String(p, "status", "phase") == "Running"), "three running pods");

        // The node's agent goes silent: no more Lease renewals.
        cluster.Kubelet.KeepAlive("bt-flaky", false);
        cluster.Kubelet.FinishDeletions = false;
        var node = await Wait.ForAsync(() => cluster.GetAsync(cluster.Nodes, null, "bt-flaky"),
            n => (Json.Array(n, "spec", "taints") ?? []).Count == 2, "the unreachable taints", TimeSpan.FromSeconds(15), n => n.ToJsonString());
        var ready = Json.Array(node, "status", "conditions")!.OfType<JsonObject>().Single(c => Json.String(c, "type") == "Ready");
        Assert.Equal("Unknown", Json.String(ready, "status"));
        Assert.Equal("NodeStatusUnknown", Json.String(ready, "reason"));
        Assert.Equal("Kubelet stopped posting node status.", Json.String(ready, "message"));
        var taints = Json.Array(node, "spec", "taints")!.OfType<JsonObject>().ToList();
        Assert.All(taints, t => Assert.Equal("node.kubernetes.io/unreachable", Json.String(t, "key")));
        Assert.Equal(["NoExecute", "NoSchedule"], taints.Select(t => Json.String(t, "effect")).Order());
        Assert.NotNull(Json.String(taints.Single(t => Json.String(t, "effect") == "NoExecute"), "timeAdded"));

        // "quick" tolerates the taint for 1 s: evicted. The others stay.
        var evicted = await Wait.ForAsync(() => cluster.GetAsync(cluster.Pods, ns, "quick"), p => Json.String(p, "metadata", "deletionTimestamp") is not null,
            "quick evicted", TimeSpan.FromSeconds(10));
        Assert.Contains(Json.Array(evicted, "status", "conditions")!.OfType<JsonObject>(), c => Json.String(c, "type") == "DisruptionTarget");
        var stays = await cluster.GetAsync(cluster.Pods, ns, "stays");
        Assert.Null(Json.String(stays, "metadata", "deletionTimestamp"));
        Assert.Equal("False", Json.String(Json.Array(stays, "status", "conditions")!.OfType<JsonObject>().Single(c => Json.String(c, "type") == "Ready"), "status"));
        Assert.Null(Json.String(await cluster.GetAsync(cluster.Pods, ns, "patient"), "metadata", "deletionTimestamp"));

        // The agent comes back (renews its Lease and reports Ready): the taints go.
        cluster.Kubelet.KeepAlive("bt-flaky");
        await Wait.ForAsync(() => cluster.GetAsync(cluster.Nodes, null, "bt-flaky"), n => Json.Array(n, "spec", "taints") is null,
            "taints removed", TimeSpan.FromSeconds(10), n => n["spec"]?.ToJsonString() ?? "");
        Assert.Null(Json.String(await cluster.GetAsync(cluster.Pods, ns, "patient"), "metadata", "deletionTimestamp"));
    }
}
