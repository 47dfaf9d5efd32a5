using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Tests.Support;
using Xunit;

namespace Berth.Controllers.Tests.Integration;

[Trait("Tier", "Integration")]
public sealed class SockShopTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Sock_shop_creates_fourteen_replica_sets_and_fourteen_scheduled_pods()
    {
        var cluster = fixture.Cluster;
        // The images cannot be pulled here: pods stay Pending on their node, as ImagePullBackOff would leave them.
        cluster.Kubelet.SetPolicy("sock-shop", _ => PodPlan.Now(PodOutcome.Ignore));
        var objects = Manifests.Load("tests/fixtures/sock-shop/complete-demo.yaml");
        foreach (var obj in objects)
        {
            var type = cluster.Registry.FindByApiVersion(Json.String(obj, "apiVersion")!, Json.String(obj, "kind")!)!;
            await cluster.Api.CreateAsync(type, type.Namespaced ? Json.String(obj, "metadata", "namespace") ?? "default" : null, obj, default);
        }

        Assert.Equal(14, objects.Count(o => Json.String(o, "kind") == "Deployment"));
        var pods = await Wait.ForAsync(() => cluster.ListAsync(cluster.Pods, "sock-shop"),
            ps => ps.Count == 14 && ps.All(p => Json.String(p, "spec", "nodeName") == "bt-node-1"), "14 scheduled pods",
            timeout: TimeSpan.FromSeconds(60), describe: ps => $"{ps.Count} pods, {ps.Count(p => Json.String(p, "spec", "nodeName") is not null)} scheduled");
        var rss = await cluster.ListAsync(cluster.ReplicaSets, "sock-shop");
        Assert.Equal(14, rss.Count);
        Assert.Equal(14, pods.Select(p => Json.Array(p, "metadata", "ownerReferences")![0]!["uid"]!.ToString()).Distinct().Count());
        Assert.All(pods, p => Assert.Equal("linux", Json.String(p, "spec", "nodeSelector", "beta.kubernetes.io/os")));
        await Wait.ForAsync(() => cluster.ListAsync(cluster.Deployments, "sock-shop"),
            ds => ds.Count == 14 && ds.All(d => Json.Long(d, "status", "updatedReplicas") == 1 && Json.Long(d, "status", "replicas") == 1),
            "every deployment reporting its one updated replica");
    }
}
