using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Server.Tests;

/// <summary>
/// The API's own object semantics through the in-process client: versions, generations, the status subresource,
/// deletion and finalizers, generated names, watches. No controller runs, so nothing else writes these objects.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class ResourceSemanticsTests(ApiOnlyServerFixture fx) : IClassFixture<ApiOnlyServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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
        var cm = TestObjects.ConfigMap("bt-final");
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

                // In-process watches also hand out the shared parse: the same object, revision included.
                Assert.NotNull(e.Parsed);
                Assert.Equal(e.Object.ToJsonString(), Json.Detach(e.Parsed.Value)!.ToJsonString());
                if (events.Count == 3)
                {
                    enough.TrySetResult();
                }
            }
        }, cts.Token);

        var cm = TestObjects.ConfigMap("bt-sel");
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
        // Only this test's prefix is steered: anything else that generates a name meanwhile keeps drawing at random.
        fx.Resources.GenerateNameSuffix = prefix => prefix != "bt-gen-" ? original(prefix) : draws.Count > 0 ? draws.Dequeue() : "aaaaa";
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
            var named = TestObjects.ConfigMap("bt-gen-aaaaa");
            named["metadata"]!["generateName"] = "bt-gen-";
            e = await Assert.ThrowsAsync<ApiException>(() => fx.Api.CreateAsync(cms, "default", named, Ct));
            Assert.Equal(409, e.Code);
        }
        finally
        {
            fx.Resources.GenerateNameSuffix = original;
        }
    }
}
