using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Tests.Support;
using Xunit;

namespace Berth.Controllers.Tests.Integration;

[Trait("Tier", "Integration")]
public sealed class DeploymentTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    private async Task<JsonObject> RolledOutAsync(string ns, string name, TimeSpan? timeout = null)
    {
        try
        {
            return await Wait.ForAsync(() => Cluster.GetAsync(Cluster.Deployments, ns, name), d => RolloutStatus.Deployment(d).Done,
                $"deployment {name} rolled out", timeout, d => RolloutStatus.Deployment(d).Message + " " + d["status"]?.ToJsonString());
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + await Cluster.DescribeAsync(ns), e);
        }
    }

    private async Task<List<JsonObject>> ReplicaSetsAsync(string ns) => [.. await Cluster.ListAsync(Cluster.ReplicaSets, ns)];

    [Fact]
    public async Task Deployment_of_three_rolls_out_with_one_replica_set_and_three_ready_pods()
    {
        var ns = await Cluster.NamespaceAsync("deploy");
        await Cluster.CreateAsync(Cluster.Deployments, TestObjects.Deployment(ns, "web", 3));
        var d = await RolledOutAsync(ns, "web");

        Assert.Equal(3, Json.Long(d, "status", "readyReplicas"));
        Assert.Equal(3, Json.Long(d, "status", "availableReplicas"));
        Assert.Equal(0, Json.Long(d, "status", "unavailableReplicas"));
        Assert.Equal("1", Json.String(d, "metadata", "annotations", "deployment.kubernetes.io/revision"));
        var conditions = Json.Array(d, "status", "conditions")!.OfType<JsonObject>().ToDictionary(c => Json.String(c, "type")!, c => Json.String(c, "reason"));
        Assert.Equal("MinimumReplicasAvailable", conditions["Available"]);
        Assert.Equal("NewReplicaSetAvailable", conditions["Progressing"]);

        var rs = Assert.Single(await ReplicaSetsAsync(ns));
        var hash = Json.String(rs, "metadata", "labels", "pod-template-hash");
        Assert.Equal($"web-{hash}", Json.String(rs, "metadata", "name"));
        Assert.Equal("1", Json.String(rs, "metadata", "annotations", "deployment.kubernetes.io/revision"));
        var owner = Json.Array(rs, "metadata", "ownerReferences")!.OfType<JsonObject>().Single();
        Assert.Equal(Json.String(d, "metadata", "uid"), Json.String(owner, "uid"));
        Assert.True(Json.Bool(owner, "controller"));
        Assert.True(Json.Bool(owner, "blockOwnerDeletion"));

        var pods = await Cluster.LivePodsAsync(ns);
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.StartsWith($"web-{hash}-", Json.String(p, "metadata", "name"));
            Assert.Equal(hash, Json.String(p, "metadata", "labels", "pod-template-hash"));
            Assert.Equal("bt-node-1", Json.String(p, "spec", "nodeName"));
            Assert.Equal("Running", Json.String(p, "status", "phase"));
        });
    }

    [Fact]
    public async Task Scale_up_and_down_and_a_deleted_pod_is_replaced()
    {
        var ns = await Cluster.NamespaceAsync("scale");
        await Cluster.CreateAsync(Cluster.Deployments, TestObjects.Deployment(ns, "web", 2));
        await RolledOutAsync(ns, "web");

        await Cluster.UpdateAsync(Cluster.Deployments, ns, "web", d => d["spec"]!["replicas"] = 5);
        await RolledOutAsync(ns, "web");
        Assert.Equal(5, (await Cluster.LivePodsAsync(ns)).Count);

        await Cluster.UpdateAsync(Cluster.Deployments, ns, "web", d => d["spec"]!["replicas"] = 1);
        await RolledOutAsync(ns, "web");
        await Wait.UntilAsync(async () => (await Cluster.ListAsync(Cluster.Pods, ns)).Count == 1, "scale down to 1 pod");

        var victim = (await Cluster.LivePodsAsync(ns)).Single();
        await Cluster.Api.DeleteAsync(Cluster.Pods, ns, Json.String(victim, "metadata", "name")!, null, default);
        var replacement = await Wait.ForAsync(() => Cluster.LivePodsAsync(ns),
            pods => pods.Count == 1 && Json.String(pods[0], "metadata", "uid") != Json.String(victim, "metadata", "uid"), "a replacement pod");
        Assert.Single(await ReplicaSetsAsync(ns));
        Assert.NotNull(replacement);
        await RolledOutAsync(ns, "web");
    }

    [Fact]
    public async Task Image_change_rolls_without_dropping_below_the_floor_and_undo_reuses_the_old_replica_set()
    {
        var ns = await Cluster.NamespaceAsync("roll");
        // New pods take a while to become ready, so the rollout has several steps to watch.
        Cluster.Kubelet.SetPolicy(ns, _ => new PodPlan(PodOutcome.RunReady, TimeSpan.FromMilliseconds(150)));
        const int replicas = 4;
        var strategy = new JsonObject
        {
            ["type"] = "RollingUpdate",
            ["rollingUpdate"] = new JsonObject { ["maxSurge"] = 1, ["maxUnavailable"] = 1 },
        };
        await Cluster.CreateAsync(Cluster.Deployments, TestObjects.Deployment(ns, "web", replicas, "nginx:1.26", strategy));
        await RolledOutAsync(ns, "web");
        var first = Assert.Single(await ReplicaSetsAsync(ns));

        using var watch = new ReadyFloorMonitor(Cluster, ns);
        await watch.StartAsync();
        await Cluster.UpdateAsync(Cluster.Deployments, ns, "web", d => d["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:1.27");
        var d2 = await RolledOutAsync(ns, "web");
        await Wait.UntilAsync(async () => (await Cluster.ListAsync(Cluster.Pods, ns)).Count == replicas, "old pods gone");
        var floor = await watch.StopAsync();
        Assert.True(floor.Min >= replicas - 1, $"ready pods fell to {floor.Min} (< {replicas - 1}) during the rollout; samples {floor.Samples}\n{watch.Log}\n{await Cluster.EventsAsync(ns)}");
        Assert.Equal("2", Json.String(d2, "metadata", "annotations", "deployment.kubernetes.io/revision"));

        var rss = await ReplicaSetsAsync(ns);
        Assert.Equal(2, rss.Count);
        var second = rss.Single(r => Json.String(r, "metadata", "uid") != Json.String(first, "metadata", "uid"));
        Assert.Equal(0, Json.Long(rss.Single(r => r != second), "spec", "replicas"));
        Assert.All(await Cluster.LivePodsAsync(ns), p => Assert.Equal("nginx:1.27", Json.String(p["spec"]!["containers"]![0], "image")));

        // kubectl rollout undo: the template of revision 1's ReplicaSet (minus pod-template-hash) back into the Deployment.
        var oldTemplate = (JsonObject)first["spec"]!["template"]!.DeepClone();
        ((JsonObject)oldTemplate["metadata"]!["labels"]!).Remove("pod-template-hash");
        await Cluster.UpdateAsync(Cluster.Deployments, ns, "web", d => d["spec"]!["template"] = oldTemplate.DeepClone());
        var d3 = await RolledOutAsync(ns, "web");
        Assert.Equal("3", Json.String(d3, "metadata", "annotations", "deployment.kubernetes.io/revision"));
        rss = await ReplicaSetsAsync(ns);
        Assert.Equal(2, rss.Count);
        var back = rss.Single(r => Json.String(r, "metadata", "uid") == Json.String(first, "metadata", "uid"));
        Assert.Equal(replicas, Json.Long(back, "spec", "replicas"));
        Assert.Equal("3", Json.String(back, "metadata", "annotations", "deployment.kubernetes.io/revision"));
        Assert.Equal("1", Json.String(back, "metadata", "annotations", "deployment.kubernetes.io/revision-history"));
    }

    private static JsonObject? Condition(JsonObject d, string type) =>
        (Json.Array(d, "status", "conditions") ?? []).OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == type);

    [Fact]
    public async Task Stuck_rollout_reports_progress_deadline_exceeded_and_pause_holds_the_rollout()
    {
        var ns = await Cluster.NamespaceAsync("deadline");
        // Pods run but never become ready: the rollout cannot progress.
        Cluster.Kubelet.SetPolicy(ns, _ => PodPlan.Now(PodOutcome.RunNotReady));
        var d = TestObjects.Deployment(ns, "stuck", 2);
        d["spec"]!["progressDeadlineSeconds"] = 1;
        await Cluster.CreateAsync(Cluster.Deployments, d);
        var timedOut = await Wait.ForAsync(() => Cluster.GetAsync(Cluster.Deployments, ns, "stuck"),
            x => Json.String(Condition(x, "Progressing"), "reason") == "ProgressDeadlineExceeded", "ProgressDeadlineExceeded",
            describe: x => x["status"]?.ToJsonString() ?? "");
        Assert.Equal("False", Json.String(Condition(timedOut, "Progressing"), "status"));
        Assert.StartsWith("ReplicaSet \"stuck-", Json.String(Condition(timedOut, "Progressing"), "message"));
        Assert.Equal("MinimumReplicasUnavailable", Json.String(Condition(timedOut, "Available"), "reason"));
        Assert.Contains("exceeded its progress deadline", RolloutStatus.Deployment(timedOut).Message);

        // Paused: a template change makes no new ReplicaSet until resumed.
        var ns2 = await Cluster.NamespaceAsync("pause");
        await Cluster.CreateAsync(Cluster.Deployments, TestObjects.Deployment(ns2, "held", 2));
        await RolledOutAsync(ns2, "held");
        await Cluster.UpdateAsync(Cluster.Deployments, ns2, "held", x => x["spec"]!["paused"] = true);
        await Wait.ForAsync(() => Cluster.GetAsync(Cluster.Deployments, ns2, "held"),
            x => Json.String(Condition(x, "Progressing"), "reason") == "DeploymentPaused", "DeploymentPaused");
        await Cluster.UpdateAsync(Cluster.Deployments, ns2, "held", x => x["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:1.28");
        await Wait.ForAsync(() => Cluster.GetAsync(Cluster.Deployments, ns2, "held"),
            x => Json.Long(x, "status", "observedGeneration") == Json.Long(x, "metadata", "generation"), "the paused change observed");
        Assert.Single(await ReplicaSetsAsync(ns2));
        await Cluster.UpdateAsync(Cluster.Deployments, ns2, "held", x => x["spec"]!["paused"] = false);
        await RolledOutAsync(ns2, "held");
        Assert.Equal(2, (await ReplicaSetsAsync(ns2)).Count);
    }

    [Fact]
    public async Task Recreate_removes_every_old_pod_before_starting_new_ones()
    {
        var ns = await Cluster.NamespaceAsync("recreate");
        await Cluster.CreateAsync(Cluster.Deployments, TestObjects.Deployment(ns, "db", 2, "postgres:15", new JsonObject { ["type"] = "Recreate" }));
        await RolledOutAsync(ns, "db");
        using var log = new PodEventLog(Cluster, ns);
        await log.StartAsync();
        await Cluster.UpdateAsync(Cluster.Deployments, ns, "db", x => x["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "postgres:16");
        await RolledOutAsync(ns, "db");
        var firstCreate = log.Entries.FindIndex(e => e.Kind == "create");
        var deletes = log.Entries.Select((e, i) => (e, i)).Where(x => x.e.Kind == "delete").Select(x => x.i).ToList();
        Assert.Equal(2, deletes.Count);
        Assert.True(firstCreate > deletes.Max(), $"a new pod was created before the old ones were gone: {log}");
        Assert.Empty(log.Entries[firstCreate].ReadyThen);
    }
}
