using System.Text;
using Berth.Api.Resources;
using Berth.Server.Core;
using Berth.Store.Memory;
using Xunit;

namespace Berth.Server.Tests;

/// <summary>The namespace lifecycle cache behind create admission: watch-fed, newest revision wins, own writes at once.</summary>
[Trait("Tier", "Unit")]
public sealed class NamespaceCacheTests
{
    private static readonly ResourceType Namespaces = ResourceRegistry.Default.Find("", "v1", "namespaces")!;

    private static byte[] Ns(string name, string? deletionTimestamp = null, string label = "x")
    {
        var deletion = deletionTimestamp is null ? "" : ",\"deletionTimestamp\":\"" + deletionTimestamp + "\"";
        return Encoding.UTF8.GetBytes("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"note\":\"" + label + "\"}" + deletion + "}}");
    }

    [Fact]
    public async Task FollowsTheStoreAndKeepsTheNewestRevision()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new MemoryStore();
        await store.StartAsync(ct);
        var key = StoreKeys.Key(Namespaces, null, "shop");
        var created = await store.CreateAsync(key, Ns("shop", label: "deletionTimestamp"), ct);
        var cache = new NamespaceCache(store, ResourceRegistry.Default);
        await cache.StartAsync(ct);
        try
        {
            // Listed at start: active, although a label value holds the word.
            await Until(() => cache.Terminating("shop") == false);
            Assert.Null(cache.Terminating("absent"));

            // Another writer marks it terminating: the watch brings it.
            var terminating = await store.UpdateAsync(key, Ns("shop", "2026-11-26T12:00:00Z"), created, ct);
            await Until(() => cache.Terminating("shop") == true);

            // An older write reported late changes nothing; this server's own newer write applies at once.
            cache.Observe(Namespaces, "shop", Ns("shop"), created);
            Assert.True(cache.Terminating("shop"));
            var (_, deleted) = await store.DeleteAsync(key, terminating, ct);
            cache.Observe(Namespaces, "shop", null, deleted);
            Assert.Null(cache.Terminating("shop"));

            // Other kinds are not namespaces.
            cache.Observe(ResourceRegistry.Default.Find("", "v1", "configmaps")!, "cm", Ns("cm"), deleted + 1);
            Assert.Null(cache.Terminating("cm"));
        }
        finally
        {
            await cache.StopAsync(CancellationToken.None);
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
