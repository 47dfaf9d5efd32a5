using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Server.Tests;

/// <summary>What the built-in controllers add to the API's semantics: the garbage collector and namespace deletion.</summary>
[Trait("Tier", "Integration")]
public sealed class GarbageCollectionTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("Background")]
    [InlineData("Foreground")]
    [InlineData("Orphan")]
    public async Task GarbageCollectorFollowsOwnerReferences(string policy)
    {
        var cms = fx.Type("", "configmaps");
        var owner = await fx.Api.CreateAsync(cms, "default", TestObjects.ConfigMap($"bt-owner-{policy.ToLowerInvariant()}"), Ct);
        var dependentName = $"bt-dep-{policy.ToLowerInvariant()}";
        var dep = TestObjects.ConfigMap(dependentName);
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
        await fx.Api.CreateAsync(cms, "bt-ns-gone", TestObjects.ConfigMap("inside"), Ct);
        var terminating = await fx.Api.DeleteAsync(nss, null, "bt-ns-gone", null, Ct);
        Assert.Equal("Terminating", Json.String(terminating, "status", "phase"));

        var refused = await Assert.ThrowsAsync<ApiException>(() => fx.Api.CreateAsync(cms, "bt-ns-gone", TestObjects.ConfigMap("late"), Ct));
        Assert.Equal(403, refused.Code);

        await Eventually(async () => await Gone(nss, "bt-ns-gone", ns: null));
        var list = await fx.Api.ListAsync(cms, "bt-ns-gone", ListOptions.None, Ct);
        Assert.Empty(list.Items);
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
