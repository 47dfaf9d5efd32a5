using Berth.Testing;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace Berth.E2E;

/// <summary>The official C# client (KubernetesClient) as the judge: CRUD, watch, conflicts and patches against `berth up`.</summary>
[Trait("Tier", "E2E")]
public sealed class KubernetesClientTests(BerthFixture fx) : IClassFixture<BerthFixture>
{
    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(fx.Berth.Kubeconfig));

    [Fact]
    public async Task CreateGetUpdateDeleteConfigMap()
    {
        var ct = TestContext.Current.CancellationToken;
        using var k = Client();
        var created = await k.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "bt-crud", Labels = new Dictionary<string, string> { ["app"] = "crud" } },
            Data = new Dictionary<string, string> { ["k"] = "v1" },
        }, "default", cancellationToken: ct);
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.NotNull(created.Metadata.CreationTimestamp);

        var got = await k.CoreV1.ReadNamespacedConfigMapAsync("bt-crud", "default", cancellationToken: ct);
        Assert.Equal("v1", got.Data["k"]);
        Assert.Equal(created.Metadata.ResourceVersion, got.Metadata.ResourceVersion);

        got.Data["k"] = "v2";
        var updated = await k.CoreV1.ReplaceNamespacedConfigMapAsync(got, "bt-crud", "default", cancellationToken: ct);
        Assert.Equal("v2", updated.Data["k"]);
        Assert.True(long.Parse(updated.Metadata.ResourceVersion) > long.Parse(got.Metadata.ResourceVersion));

        var list = await k.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "app=crud", cancellationToken: ct);
        Assert.Single(list.Items);

        await k.CoreV1.DeleteNamespacedConfigMapAsync("bt-crud", "default", cancellationToken: ct);
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.ReadNamespacedConfigMapAsync("bt-crud", "default", cancellationToken: ct));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, e.Response.StatusCode);
    }

    [Fact]
    public async Task StaleUpdateIsAConflictAndDuplicateCreateAlreadyExists()
    {
        var ct = TestContext.Current.CancellationToken;
        using var k = Client();
        var cm = await k.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "bt-conflict" } }, "default", cancellationToken: ct);
        cm.Data = new Dictionary<string, string> { ["a"] = "1" };
        await k.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "bt-conflict", "default", cancellationToken: ct);

        cm.Data["a"] = "2";
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() =>
            k.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "bt-conflict", "default", cancellationToken: ct));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Contains("the object has been modified", conflict.Response.Content);

        var exists = await Assert.ThrowsAsync<HttpOperationException>(() =>
            k.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "bt-conflict" } }, "default", cancellationToken: ct));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, exists.Response.StatusCode);
        Assert.Contains("AlreadyExists", exists.Response.Content);
        await k.CoreV1.DeleteNamespacedConfigMapAsync("bt-conflict", "default", cancellationToken: ct);
    }

    [Fact]
    public async Task WatchDeliversAddedModifiedDeletedInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        using var k = Client();
        await k.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "bt-watch-client" } }, cancellationToken: ct);
        var list = await k.CoreV1.ListNamespacedConfigMapAsync("bt-watch-client", cancellationToken: ct);
        var events = new List<(WatchEventType, string, string)>();
        var done = new TaskCompletionSource();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in k.CoreV1.WatchListNamespacedConfigMapAsync("bt-watch-client",
                resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                lock (events)
                {
                    events.Add((type, item.Metadata.Name, item.Metadata.ResourceVersion));
                    if (type == WatchEventType.Deleted)
                    {
                        done.TrySetResult();
                    }
                }
            }
        }, cts.Token);

        var cm = await k.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "w1" } }, "bt-watch-client", cancellationToken: ct);
        cm.Data = new Dictionary<string, string> { ["x"] = "y" };
        await k.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "w1", "bt-watch-client", cancellationToken: ct);
        await k.CoreV1.DeleteNamespacedConfigMapAsync("w1", "bt-watch-client", cancellationToken: ct);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(20), ct);
        await cts.CancelAsync();
        try
        {
            await watching;
        }
        catch (OperationCanceledException)
        {
        }

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Item1));
        Assert.All(events, e => Assert.Equal("w1", e.Item2));
        var rvs = events.Select(e => long.Parse(e.Item3)).ToList();
        Assert.Equal(rvs.Order(), rvs);
        await k.CoreV1.DeleteNamespaceAsync("bt-watch-client", cancellationToken: ct);
    }

    [Fact]
    public async Task PatchesOfAllThreeTypesApply()
    {
        var ct = TestContext.Current.CancellationToken;
        using var k = Client();
        await k.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "bt-patch" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "bt-patch" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "bt-patch" } },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container { Name = "web", Image = "busybox:1", Env = [new V1EnvVar { Name = "A", Value = "1" }] },
                            new V1Container { Name = "side", Image = "busybox:1" },
                        ],
                    },
                },
            },
        }, "default", cancellationToken: ct);

        // Strategic merge: containers merge by name, so "side" survives and only "web" changes.
        var smp = new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"busybox:2"}]}}}}""", V1Patch.PatchType.StrategicMergePatch);
        var d = await k.AppsV1.PatchNamespacedDeploymentAsync(smp, "bt-patch", "default", cancellationToken: ct);
        Assert.Equal(["web", "side"], d.Spec.Template.Spec.Containers.Select(c => c.Name));
        Assert.Equal("busybox:2", d.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("A", Assert.Single(d.Spec.Template.Spec.Containers[0].Env).Name);

        // Merge patch: lists are replaced wholesale.
        var merge = new V1Patch("""{"metadata":{"labels":{"tier":"front"}}}""", V1Patch.PatchType.MergePatch);
        d = await k.AppsV1.PatchNamespacedDeploymentAsync(merge, "bt-patch", "default", cancellationToken: ct);
        Assert.Equal("front", d.Metadata.Labels["tier"]);

        // JSON patch.
        var json = new V1Patch("""[{"op":"replace","path":"/spec/replicas","value":3}]""", V1Patch.PatchType.JsonPatch);
        d = await k.AppsV1.PatchNamespacedDeploymentAsync(json, "bt-patch", "default", cancellationToken: ct);
        Assert.Equal(3, d.Spec.Replicas);
        Assert.True(d.Metadata.Generation >= 3, $"generation should move with spec changes, is {d.Metadata.Generation}");

        await k.AppsV1.DeleteNamespacedDeploymentAsync("bt-patch", "default", cancellationToken: ct);
    }
}
