using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Tests.Support;
using Xunit;

namespace Berth.Controllers.Tests.Integration;

[Trait("Tier", "Integration")]
public sealed class StatefulSetTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    private ResourceType Sets => Cluster.Type("apps", "statefulsets");

    private ResourceType Claims => Cluster.Type("", "persistentvolumeclaims");

    private ResourceType Volumes => Cluster.Type("", "persistentvolumes");

    private static JsonObject StatefulSet(string ns, string name, int replicas, string image = "nginx:1.27", JsonObject? updateStrategy = null,
        string podManagementPolicy = "OrderedReady")
    {
        var spec = new JsonObject
        {
            ["replicas"] = replicas,
            ["serviceName"] = name,
            ["podManagementPolicy"] = podManagementPolicy,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = TestObjects.Template(name, image),
            ["volumeClaimTemplates"] = new JsonArray(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "www" },
                ["spec"] = new JsonObject
                {
                    ["accessModes"] = new JsonArray("ReadWriteOnce"),
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
                },
            }),
        };
        if (updateStrategy is not null)
        {
            spec["updateStrategy"] = updateStrategy;
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "StatefulSet",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
    }

    private async Task<JsonObject> RolledOutAsync(string ns, string name)
    {
        try
        {
            return await Wait.ForAsync(() => Cluster.GetAsync(Sets, ns, name), s => RolloutStatus.StatefulSet(s).Done, $"statefulset {name} rolled out",
                describe: s => RolloutStatus.StatefulSet(s).Message);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + await Cluster.DescribeAsync(ns), e);
        }
    }

    [Fact]
    public async Task Three_replicas_come_up_in_order_keep_their_claims_and_scale_down_in_reverse()
    {
        var ns = await Cluster.NamespaceAsync("sts");
        Cluster.Kubelet.SetPolicy(ns, _ => new PodPlan(PodOutcome.RunReady, TimeSpan.FromMilliseconds(100)));
        using var log = new PodEventLog(Cluster, ns);
        await log.StartAsync();
        await Cluster.CreateAsync(Sets, StatefulSet(ns, "web", 3));
        var set = await RolledOutAsync(ns, "web");
        Assert.Equal(3, Json.Long(set, "status", "readyReplicas"));
        Assert.Equal(Json.String(set, "status", "currentRevision"), Json.String(set, "status", "updateRevision"));

        // OrderedReady: web-N is created only once web-0..web-(N-1) are Running and Ready.
        var creations = log.Entries.Where(e => e.Kind == "create").ToList();
        Assert.Equal(["web-0", "web-1", "web-2"], creations.Select(c => c.Pod));
        Assert.Empty(creations[0].ReadyThen);
        Assert.Equal(["web-0"], creations[1].ReadyThen.Order());
        Assert.Equal(["web-0", "web-1"], creations[2].ReadyThen.Order());

        var pods = await Cluster.LivePodsAsync(ns);
        foreach (var pod in pods)
        {
            var name = Json.String(pod, "metadata", "name")!;
            Assert.Equal(name, Json.String(pod, "spec", "hostname"));
            Assert.Equal("web", Json.String(pod, "spec", "subdomain"));
            Assert.Equal(name, Json.String(pod, "metadata", "labels", "statefulset.kubernetes.io/pod-name"));
            Assert.Equal(Json.String(set, "status", "updateRevision"), Json.String(pod, "metadata", "labels", "controller-revision-hash"));
            var volume = Json.Array(pod, "spec", "volumes")!.OfType<JsonObject>().Single(v => Json.String(v, "name") == "www");
            Assert.Equal($"www-{name}", Json.String(volume, "persistentVolumeClaim", "claimName"));
        }

        // Claims are provisioned as local volumes on the node the pod went to.
        var claims = await Wait.ForAsync(() => Cluster.ListAsync(Claims, ns),
            cs => cs.Count == 3 && cs.All(c => Json.String(c, "status", "phase") == "Bound"), "three bound claims",
            describe: cs => string.Join(", ", cs.Select(c => $"{Json.String(c, "metadata", "name")} {Json.String(c, "status", "phase")}")));
        Assert.Equal(["www-web-0", "www-web-1", "www-web-2"], claims.Select(c => Json.String(c, "metadata", "name")).Order());
        foreach (var claim in claims)
        {
            var pv = await Cluster.GetAsync(Volumes, null, Json.String(claim, "spec", "volumeName")!);
            Assert.Equal($"pvc-{Json.String(claim, "metadata", "uid")}", Json.String(pv, "metadata", "name"));
            Assert.Equal(Path.Combine(Cluster.DataDir, "volumes", Json.String(pv, "metadata", "name")!), Json.String(pv, "spec", "local", "path"));
            Assert.Equal("local", Json.String(pv, "spec", "storageClassName"));
            Assert.Equal("Bound", Json.String(pv, "status", "phase"));
            var term = pv["spec"]!["nodeAffinity"]!["required"]!["nodeSelectorTerms"]![0]!["matchExpressions"]![0]!;
            Assert.Equal("kubernetes.io/hostname", Json.String(term, "key"));
            Assert.Equal("bt-node-1", term["values"]![0]!.GetValue<string>());
        }

        var storageClass = await Cluster.GetAsync(Cluster.Type("storage.k8s.io", "storageclasses"), null, "local");
        Assert.Equal("true", Json.String(storageClass, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class"));

        // A deleted pod comes back with the same name and the same claim.
        var before = pods.Single(p => Json.String(p, "metadata", "name") == "web-1");
        var claimUid = Json.String(claims.Single(c => Json.String(c, "metadata", "name") == "www-web-1"), "metadata", "uid");
        await Cluster.Api.DeleteAsync(Cluster.Pods, ns, "web-1", null, default);
        await Wait.ForAsync(() => Cluster.LivePodsAsync(ns), ps => ps.Any(p => Json.String(p, "metadata", "name") == "web-1"
            && Json.String(p, "metadata", "uid") != Json.String(before, "metadata", "uid")), "web-1 recreated");
        Assert.Equal(claimUid, Json.String(await Cluster.GetAsync(Claims, ns, "www-web-1"), "metadata", "uid"));
        await RolledOutAsync(ns, "web");

        // Scale down: web-2 goes before web-1; claims stay (retention Retain).
        await Cluster.UpdateAsync(Sets, ns, "web", s => s["spec"]!["replicas"] = 1);
        await Wait.UntilAsync(async () => (await Cluster.ListAsync(Cluster.Pods, ns)).Count == 1, "scale down to web-0");
        var entries = log.Entries;
        var deletions = entries.Skip(entries.FindLastIndex(e => e.Kind == "create") + 1).Where(e => e.Kind == "delete").Select(e => e.Pod);
        Assert.Equal(["web-2", "web-1"], deletions);
        Assert.Equal(3, (await Cluster.ListAsync(Claims, ns)).Count);
        Assert.Equal("web-0", Json.String((await Cluster.LivePodsAsync(ns)).Single(), "metadata", "name"));
        await RolledOutAsync(ns, "web");
    }

    [Fact]
    public async Task Rolling_update_respects_the_partition_then_updates_in_reverse_order()
    {
        var ns = await Cluster.NamespaceAsync("stsroll");
        var strategy = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["partition"] = 2 } };
        await Cluster.CreateAsync(Sets, StatefulSet(ns, "db", 3, "nginx:1.26", strategy));
        var first = await RolledOutAsync(ns, "db");
        var oldRevision = Json.String(first, "status", "currentRevision");

        using var log = new PodEventLog(Cluster, ns);
        await log.StartAsync();
        await Cluster.UpdateAsync(Sets, ns, "db", s => s["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:1.27");
        var partial = await RolledOutAsync(ns, "db");
        var updateRevision = Json.String(partial, "status", "updateRevision");
        Assert.NotEqual(oldRevision, updateRevision);
        Assert.Equal(oldRevision, Json.String(partial, "status", "currentRevision"));
        Assert.Equal(1, Json.Long(partial, "status", "updatedReplicas"));
        var images = (await Cluster.LivePodsAsync(ns)).ToDictionary(p => Json.String(p, "metadata", "name")!, p => Json.String(p["spec"]!["containers"]![0], "image"));
        Assert.Equal("nginx:1.26", images["db-0"]);
        Assert.Equal("nginx:1.26", images["db-1"]);
        Assert.Equal("nginx:1.27", images["db-2"]);

        await Cluster.UpdateAsync(Sets, ns, "db", s => s["spec"]!["updateStrategy"]!["rollingUpdate"]!["partition"] = 0);
        var done = await RolledOutAsync(ns, "db");
        Assert.Equal(updateRevision, Json.String(done, "status", "currentRevision"));
        Assert.All(await Cluster.LivePodsAsync(ns), p => Assert.Equal("nginx:1.27", Json.String(p["spec"]!["containers"]![0], "image")));
        Assert.Equal(["db-2", "db-1", "db-0"], log.Entries.Where(e => e.Kind == "delete").Select(e => e.Pod));
        var revisions = await Cluster.ListAsync(Cluster.Type("apps", "controllerrevisions"), ns);
        Assert.Equal(2, revisions.Count);
    }

    [Fact]
    public async Task OnDelete_replaces_a_pod_only_when_it_is_deleted()
    {
        var ns = await Cluster.NamespaceAsync("stsondelete");
        await Cluster.CreateAsync(Sets, StatefulSet(ns, "q", 2, "nginx:1.26", new JsonObject { ["type"] = "OnDelete" }, "Parallel"));
        await Wait.UntilAsync(async () => (await Cluster.LivePodsAsync(ns)).Count(p => Json.String(p, "status", "phase") == "Running") == 2, "two running pods");
        await Cluster.UpdateAsync(Sets, ns, "q", s => s["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:1.27");
        var set = await Wait.ForAsync(() => Cluster.GetAsync(Sets, ns, "q"),
            s => Json.Long(s, "status", "observedGeneration") == Json.Long(s, "metadata", "generation") && Json.String(s, "status", "updateRevision") != Json.String(s, "status", "currentRevision"),
            "the new revision observed");
        Assert.Equal(0, Json.Long(set, "status", "updatedReplicas"));
        await Cluster.Api.DeleteAsync(Cluster.Pods, ns, "q-1", null, default);
        await Wait.ForAsync(() => Cluster.LivePodsAsync(ns),
            ps => ps.Any(p => Json.String(p, "metadata", "name") == "q-1" && Json.String(p["spec"]!["containers"]![0], "image") == "nginx:1.27"), "q-1 at the new image");
        Assert.Equal("nginx:1.26", Json.String((await Cluster.GetAsync(Cluster.Pods, ns, "q-0"))["spec"]!["containers"]![0], "image"));
    }
}
