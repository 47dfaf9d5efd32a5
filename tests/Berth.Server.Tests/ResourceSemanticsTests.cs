using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Server.Tests;

/// <summary>The API's object semantics through the in-process client: versions, generations, deletion, finalizers, garbage collection.</summary>
[Trait("Tier", "Integration")]
public sealed class ResourceSemanticsTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonObject ConfigMap(string name, string value = "v") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["data"] = new JsonObject { ["k"] = value },
    };

    private static JsonObject Deployment(string name, int replicas = 1) => JsonNode.Parse(
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\"}," +
        "\"spec\":{\"replicas\":" + replicas + ",\"selector\":{\"matchLabels\":{\"app\":\"" + name + "\"}}," +
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"" + name + "\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}")!.AsObject();

    [Fact]
    public async Task ServerSetsIdentityAndVersionsAndGenerationMovesOnSpecOnly()
    {
        var deployments = fx.Type("apps", "deployments");
        var d = await fx.Api.CreateAsync(deployments, "default", Deployment("bt-gen"), Ct);
        Assert.Equal(1, Json.Long(d, "metadata", "generation"));
        Assert.False(string.IsNullOrEmpty(Json.String(d, "metadata", "uid")));
        Assert.False(string.IsNullOrEmpty(Json.String(d, "metadata", "creationTimestamp")));

        Json.EnsureObject(Json.EnsureObject(d, "metadata"), "labels")["x"] = "y";
        d = await fx.Api.UpdateAsync(deployments, "default", d, null, Ct);
        var afterLabel = Json.Long(d, "metadata", "generation");

        d["spec"]!["replicas"] = 3;
        d = await fx.Api.UpdateAsync(deployments, "default", d, null, Ct);
        Assert.Equal(afterLabel + 1, Json.Long(d, "metadata", "generation"));

        var rv = Json.String(d, "metadata", "resourceVersion");
        var same = await fx.Api.UpdateAsync(deployments, "default", d, null, Ct);
        Assert.Equal(rv, Json.String(same, "metadata", "resourceVersion"));
    }

    [Fact]
    public async Task StatusIsWrittenOnlyThroughTheSubresource()
    {
        var deployments = fx.Type("apps", "deployments");
        var d = Deployment("bt-status");
        d["status"] = new JsonObject { ["replicas"] = 7 };
        d = await fx.Api.CreateAsync(deployments, "default", d, Ct);
        Assert.Null(Json.Long(d, "status", "replicas"));

        d["status"] = new JsonObject { ["replicas"] = 1, ["observedGeneration"] = 1 };
        d = await fx.Api.UpdateAsync(deployments, "default", d, "status", Ct);
        Assert.Equal(1, Json.Long(d, "status", "replicas"));

        d["status"] = new JsonObject { ["replicas"] = 9 };
        d["spec"]!["replicas"] = 2;
        d = await fx.Api.UpdateAsync(deployments, "default", d, null, Ct);
        Assert.Equal(1, Json.Long(d, "status", "replicas"));
        Assert.Equal(2, Json.Long(d, "spec", "replicas"));
    }

    [Fact]
    public async Task FinalizersHoldDeletionUntilRemoved()
    {
        var cms = fx.Type("", "configmaps");
        var cm = ConfigMap("bt-final");
        cm["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        await fx.Api.CreateAsync(cms, "default", cm, Ct);

        var deleting = await fx.Api.DeleteAsync(cms, "default", "bt-final", null, Ct);
        Assert.NotNull(deleting);
        Assert.NotNull(Json.String(deleting, "metadata", "deletionTimestamp"));

        deleting!["metadata"]!["finalizers"] = new JsonArray();
        await fx.Api.UpdateAsync(cms, "default", deleting, null, Ct);
        var e = await Assert.ThrowsAsync<ApiException>(() => fx.Api.GetAsync(cms, "default", "bt-final", Ct));
        Assert.Equal(404, e.Code);
    }

    [Fact]
    public async Task BoundPodsTerminateGracefullyUnboundPodsGoAtOnce()
    {
        var pods = fx.Type("", "pods");
        JsonObject Pod(string name, string? node)
        {
            var spec = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }) };
            if (node is not null)
            {
                spec["nodeName"] = node;
            }

            return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec };
        }

        await fx.Api.CreateAsync(pods, "default", Pod("bt-unbound", null), Ct);
        Assert.Null(await fx.Api.DeleteAsync(pods, "default", "bt-unbound", null, Ct));

        await fx.Api.CreateAsync(pods, "default", Pod("bt-bound", "bt-nowhere"), Ct);
        var terminating = await fx.Api.DeleteAsync(pods, "default", "bt-bound", null, Ct);
        Assert.NotNull(terminating);
        Assert.Equal(30, Json.Long(terminating, "metadata", "deletionGracePeriodSeconds"));

        Assert.Null(await fx.Api.DeleteAsync(pods, "default", "bt-bound", new DeleteOptions { GracePeriodSeconds = 0 }, Ct));
    }

    [Theory]
    [InlineData("Background")]
    [InlineData("Foreground")]
    [InlineData("Orphan")]
    public async Task GarbageCollectorFollowsOwnerReferences(string policy)
    {
        var cms = fx.Type("", "configmaps");
        var owner = await fx.Api.CreateAsync(cms, "default", ConfigMap($"bt-owner-{policy.ToLowerInvariant()}"), Ct);
        var dependentName = $"bt-dep-{policy.ToLowerInvariant()}";
        var dep = ConfigMap(dependentName);
        dep["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["name"] = Json.String(owner, "metadata", "name"),
            ["uid"] = Json.String(owner, "metadata", "uid"),
            ["blockOwnerDeletion"] = true,
        });
        await fx.Api.CreateAsync(cms, "default", dep, Ct);

        await fx.Api.DeleteAsync(cms, "default", Json.String(owner, "metadata", "name")!, new DeleteOptions { PropagationPolicy = policy }, Ct);
        await Eventually(async () =>
        {
            var ownerGone = await Gone(cms, Json.String(owner, "metadata", "name")!);
            if (policy == "Orphan")
            {
                var d = await fx.Api.GetAsync(cms, "default", dependentName, Ct);
                return ownerGone && Json.Array(d, "metadata", "ownerReferences") is null;
            }

            return ownerGone && await Gone(cms, dependentName);
        });
    }

    [Fact]
    public async Task DeletingANamespaceDeletesItsContentFirst()
    {
        var nss = fx.Type("", "namespaces");
        var cms = fx.Type("", "configmaps");
        await fx.Api.CreateAsync(nss, null, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "bt-ns-gone" } }, Ct);
        await fx.Api.CreateAsync(cms, "bt-ns-gone", ConfigMap("inside"), Ct);
        var terminating = await fx.Api.DeleteAsync(nss, null, "bt-ns-gone", null, Ct);
        Assert.Equal("Terminating", Json.String(terminating, "status", "phase"));

        var refused = await Assert.ThrowsAsync<ApiException>(() => fx.Api.CreateAsync(cms, "bt-ns-gone", ConfigMap("late"), Ct));
        Assert.Equal(403, refused.Code);

        await Eventually(async () => await Gone(nss, "bt-ns-gone", ns: null));
        var list = await fx.Api.ListAsync(cms, "bt-ns-gone", ListOptions.None, Ct);
        Assert.Empty(list.Items);
    }

    [Fact]
    public async Task WatchFromAVersionSeesLaterChangesAndSelectorTransitions()
    {
        var cms = fx.Type("", "configmaps");
        var list = await fx.Api.ListAsync(cms, "default", ListOptions.None, Ct);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var events = new List<(string Type, string Name)>();
        var enough = new TaskCompletionSource();
        var watch = Task.Run(async () =>
        {
            await foreach (var e in fx.Api.WatchAsync(cms, "default", new ListOptions { ResourceVersion = list.ResourceVersion, LabelSelector = "tier=web" }, cts.Token))
            {
                events.Add((e.Type, Json.String(e.Object, "metadata", "name")!));
                if (events.Count == 3)
                {
                    enough.TrySetResult();
                }
            }
        }, cts.Token);

        var cm = ConfigMap("bt-sel");
        cm = await fx.Api.CreateAsync(cms, "default", cm, Ct);
        Json.EnsureObject(Json.EnsureObject(cm, "metadata"), "labels")["tier"] = "web";
        cm = await fx.Api.UpdateAsync(cms, "default", cm, null, Ct);
        cm["data"]!["k"] = "changed";
        cm = await fx.Api.UpdateAsync(cms, "default", cm, null, Ct);
        cm["metadata"]!["labels"]!["tier"] = "db";
        await fx.Api.UpdateAsync(cms, "default", cm, null, Ct);

        await enough.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await cts.CancelAsync();
        try
        {
            await watch;
        }
        catch (OperationCanceledException)
        {
            // Either ending is fine: the watch stops when its token is cancelled.
        }

        Assert.Equal([("ADDED", "bt-sel"), ("MODIFIED", "bt-sel"), ("DELETED", "bt-sel")], events);
    }

    [Fact]
    public async Task GeneratedNameThatCollidesIsDrawnAgainAndGivesUpAfterEightDraws()
    {
        var cms = fx.Type("", "configmaps");
        var draws = new Queue<string>(["aaaaa", "aaaaa", "aaaaa", "bbbbb"]);
        var original = fx.Resources.GenerateNameSuffix;
        fx.Resources.GenerateNameSuffix = () => draws.Count > 0 ? draws.Dequeue() : "aaaaa";
        try
        {
            var gen = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["generateName"] = "bt-gen-" } };
            var first = await fx.Api.CreateAsync(cms, "default", gen.DeepClone().AsObject(), Ct);
            Assert.Equal("bt-gen-aaaaa", Json.String(first, "metadata", "name"));

            var second = await fx.Api.CreateAsync(cms, "default", gen.DeepClone().AsObject(), Ct);
            Assert.Equal("bt-gen-bbbbb", Json.String(second, "metadata", "name"));
            Assert.Empty(draws);

            var e = await Assert.ThrowsAsync<ApiException>(() => fx.Api.CreateAsync(cms, "default", gen.DeepClone().AsObject(), Ct));
            Assert.Equal(409, e.Code);
            Assert.Equal("AlreadyExists", e.Reason);

            // A name the client chose is never replaced.
            var named = ConfigMap("bt-gen-aaaaa");
            named["metadata"]!["generateName"] = "bt-gen-";
            e = await Assert.ThrowsAsync<ApiException>(() => fx.Api.CreateAsync(cms, "default", named, Ct));
            Assert.Equal(409, e.Code);
        }
        finally
        {
            fx.Resources.GenerateNameSuffix = original;
        }
    }

    private async Task<bool> Gone(ResourceType type, string name, string? ns = "default")
    {
        try
        {
            await fx.Api.GetAsync(type, ns, name, Ct);
            return false;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return true;
        }
    }

    private static async Task Eventually(Func<Task<bool>> condition, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(50, Ct);
        }

        Assert.Fail($"condition not met within {seconds} s");
    }
}
