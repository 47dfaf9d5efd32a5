using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Berth.Controllers.Tests.Integration;

[Trait("Tier", "Integration")]
public sealed class SchedulerTests
{
    private static JsonObject? Scheduled(JsonObject pod) =>
        (Json.Array(pod, "status", "conditions") ?? []).OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == "PodScheduled");

    [Fact]
    public async Task Unschedulable_pod_is_explained_and_scheduled_once_a_fitting_node_appears()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ns = await cluster.NamespaceAsync("sched");
        var pod = TestObjects.Pod(ns, "fast", extraSpec: new JsonObject { ["nodeSelector"] = new JsonObject { ["disktype"] = "ssd" } });
        await cluster.CreateAsync(cluster.Pods, pod);

        var none = await Wait.ForAsync(() => cluster.GetAsync(cluster.Pods, ns, "fast"), p => Json.String(Scheduled(p), "message") is not null,
            "PodScheduled=False with no nodes", describe: p => p.ToJsonString());
        Assert.Equal("False", Json.String(Scheduled(none), "status"));
        Assert.Equal("Unschedulable", Json.String(Scheduled(none), "reason"));
        Assert.Equal("no nodes available to schedule pods", Json.String(Scheduled(none), "message"));

        await cluster.AddNodeAsync("bt-plain");
        const string mismatch = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
            + "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
        await Wait.ForAsync(() => cluster.GetAsync(cluster.Pods, ns, "fast"), p => Json.String(Scheduled(p), "message") == mismatch,
            "the node-selector explanation", describe: p => Json.String(Scheduled(p), "message") ?? "");
        var warning = await Wait.ForAsync(() => cluster.ListAsync(cluster.Type("", "events"), ns),
            evs => evs.Any(e => Json.String(e, "reason") == "FailedScheduling" && Json.String(e, "message") == mismatch), "a FailedScheduling event");
        var e = warning.First(e => Json.String(e, "message") == mismatch);
        Assert.Equal("Warning", Json.String(e, "type"));
        Assert.Equal("default-scheduler", Json.String(e, "source", "component"));
        Assert.Equal("fast", Json.String(e, "involvedObject", "name"));

        await cluster.AddNodeAsync("bt-ssd", new Dictionary<string, string> { ["disktype"] = "ssd" });
        var bound = await Wait.ForAsync(() => cluster.GetAsync(cluster.Pods, ns, "fast"), p => Json.String(p, "spec", "nodeName") is not null,
            "binding to the ssd node");
        Assert.Equal("bt-ssd", Json.String(bound, "spec", "nodeName"));
        Assert.Equal("True", Json.String(Scheduled(bound), "status"));
        await Wait.UntilAsync(async () => (await cluster.ListAsync(cluster.Type("", "events"), ns)).Any(ev =>
            Json.String(ev, "reason") == "Scheduled" && Json.String(ev, "message") == $"Successfully assigned {ns}/fast to bt-ssd"), "a Scheduled event");
    }

    [Fact]
    public async Task Insufficient_cpu_is_retried_when_a_pod_goes_away()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ns = await cluster.NamespaceAsync("cpu");
        await cluster.AddNodeAsync("bt-small", cpu: "1");
        JsonObject Big(string name)
        {
            var p = TestObjects.Pod(ns, name);
            p["spec"]!["containers"]![0]!["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "700m" } };
            return p;
        }

        await cluster.CreateAsync(cluster.Pods, Big("first"));
        await Wait.ForAsync(() => cluster.GetAsync(cluster.Pods, ns, "first"), p => Json.String(p, "spec", "nodeName") == "bt-small", "first bound");
        await cluster.CreateAsync(cluster.Pods, Big("second"));
        await Wait.ForAsync(() => cluster.GetAsync(cluster.Pods, ns, "second"),
            p => Json.String(Scheduled(p), "message") == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
            "the Insufficient cpu explanation", describe: p => Json.String(Scheduled(p), "message") ?? "");

        await cluster.Api.DeleteAsync(cluster.Pods, ns, "first", null, default);
        await Wait.ForAsync(() => cluster.GetAsync(cluster.Pods, ns, "second"), p => Json.String(p, "spec", "nodeName") == "bt-small",
            "second bound once first is gone", timeout: TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_pod_the_typed_model_cannot_read_is_reported_and_does_not_stall_the_others()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ns = await cluster.NamespaceAsync("unreadable");
        var bad = TestObjects.Pod(ns, "bad");
        // YAML's `command: [true]` arrives as a JSON boolean. The API refuses it now (400, as kube-apiserver's decoding),
        // but a store can still hold one (written before that check, or by another writer of a shared etcd): the
        // scheduler must survive it. So the pod is created valid (with the API's defaults) while no node can take
        // it, then its stored bytes get the boolean.
        var refused = bad.DeepClone().AsObject();
        refused["spec"]!["containers"]![0]!["readinessProbe"] = new JsonObject { ["exec"] = new JsonObject { ["command"] = new JsonArray(true) } };
        Assert.Equal(400, (await Assert.ThrowsAsync<Berth.Api.Client.ApiException>(() => cluster.CreateAsync(cluster.Pods, refused))).Code);

        var created = await cluster.CreateAsync(cluster.Pods, bad);
        created["spec"]!["containers"]![0]!["readinessProbe"] = new JsonObject { ["exec"] = new JsonObject { ["command"] = new JsonArray(true) } };
        var store = cluster.Services.GetRequiredService<Berth.Store.IStore>();
        var key = Berth.Server.Core.StoreKeys.Key(cluster.Pods, ns, "bad");
        var entry = (await store.GetAsync(key, default))!;
        await store.UpdateAsync(key, Berth.Server.Core.ObjectCodec.Encode(created), entry.ModRevision, default);

        await cluster.AddNodeAsync("bt-one");
        await cluster.CreateAsync(cluster.Pods, TestObjects.Pod(ns, "good"));

        await Wait.ForAsync(() => cluster.GetAsync(cluster.Pods, ns, "good"), p => Json.String(p, "spec", "nodeName") == "bt-one", "the good pod bound");
        var explained = await Wait.ForAsync(() => cluster.GetAsync(cluster.Pods, ns, "bad"), p => Json.String(Scheduled(p), "message")?.StartsWith("the pod's spec cannot be read: ", StringComparison.Ordinal) == true,
            "the unreadable pod explained", describe: p => p.ToJsonString());
        Assert.StartsWith("the pod's spec cannot be read: ", Json.String(Scheduled(explained), "message"));
        Assert.Null(Json.String(explained, "spec", "nodeName"));
    }
}
