using Berth.Api.Resources;
using Berth.Controllers.Tests.Support;
using Xunit;

namespace Berth.Controllers.Tests.Integration;

/// <summary>The real kubectl drives rollouts against the in-process server (the fake kubelet makes pods Ready).</summary>
[Trait("Tier", "Integration")]
public sealed class KubectlRolloutTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const string Manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 3
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: app
                image: nginx:1.27
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
        spec:
          replicas: 2
          serviceName: db
          selector:
            matchLabels: {app: db}
          template:
            metadata:
              labels: {app: db}
            spec:
              containers:
              - name: db
                image: postgres:16
          volumeClaimTemplates:
          - metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi}}
        """;

    [Fact]
    public async Task Rollout_status_set_image_undo_history_and_scale_work_with_kubectl()
    {
        var cluster = fixture.Cluster;
        var ns = await cluster.NamespaceAsync("kubectl");
        using var kubectl = new KubectlRunner(Path.Combine(cluster.DataDir, "kubeconfig"));
        await kubectl.OkWithInputAsync(Manifest, "apply", "-n", ns, "-f", "-");

        var status = await kubectl.OkAsync("rollout", "status", "-n", ns, "deployment/web", "--timeout=60s");
        Assert.Contains("deployment \"web\" successfully rolled out", status);
        Assert.Contains("partitioned roll out complete: 2 new pods have been updated...", await kubectl.OkAsync("rollout", "status", "-n", ns, "statefulset/db", "--timeout=60s"));

        await kubectl.OkAsync("set", "image", "-n", ns, "deployment/web", "app=nginx:1.28");
        Assert.Contains("successfully rolled out", await kubectl.OkAsync("rollout", "status", "-n", ns, "deployment/web", "--timeout=60s"));
        var history = await kubectl.OkAsync("rollout", "history", "-n", ns, "deployment/web");
        Assert.Matches(@"(?m)^1\s", history);
        Assert.Matches(@"(?m)^2\s", history);

        await kubectl.OkAsync("rollout", "undo", "-n", ns, "deployment/web");
        Assert.Contains("successfully rolled out", await kubectl.OkAsync("rollout", "status", "-n", ns, "deployment/web", "--timeout=60s"));
        Assert.Equal("nginx:1.27", await kubectl.OkAsync("get", "-n", ns, "deployment/web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
        Assert.Equal(2, (await cluster.ListAsync(cluster.ReplicaSets, ns)).Count);
        var revisions = await kubectl.OkAsync("rollout", "history", "-n", ns, "deployment/web");
        Assert.Matches(@"(?m)^2\s", revisions);
        Assert.Matches(@"(?m)^3\s", revisions);

        await kubectl.OkAsync("scale", "-n", ns, "deployment/web", "--replicas=5");
        Assert.Contains("successfully rolled out", await kubectl.OkAsync("rollout", "status", "-n", ns, "deployment/web", "--timeout=60s"));
        await Wait.UntilAsync(async () => (await cluster.ListAsync(cluster.Pods, ns)).Count(p => Json.String(p, "metadata", "labels", "app") == "web") == 5, "five web pods");

        var pvcs = await kubectl.OkAsync("get", "pvc", "-n", ns, "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.phase} {end}");
        Assert.Equal("data-db-0=Bound data-db-1=Bound", pvcs.Trim());
    }
}
