using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Server.Core;
using Berth.Store.Memory;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Berth.Server.Tests;

/// <summary>
/// Bookmarks on a watch that asked for them: an idle watch gets one every <see cref="WatchService.BookmarkInterval"/>
/// carrying the revision of the last event sent; events reset the interval, and the timer raced against each event
/// does not outlive it (a busy watch once left one live 10 s timer per event).
/// </summary>
[Trait("Tier", "Unit")]
public sealed class WatchBookmarkTests
{
    private static readonly ResourceType ConfigMaps = ResourceRegistry.Default.Find("", "v1", "configmaps")!;

    private static JsonObject ConfigMap(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name },
    };

    [Fact]
    public async Task AnIdleWatchGetsABookmarkWithTheLastRevisionAndEventsComeFirst()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var store = new MemoryStore();
        await store.StartAsync(ct);
        var resources = new ResourceService(store, ResourceRegistry.Default, time, new PatchApplier(), new ObjectFilterFactory());
        await resources.CreateAsync(ResourceRegistry.Default.Find("", "v1", "namespaces")!, null,
            new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "default" } }, dryRun: false, ct);
        var first = await resources.CreateAsync(ConfigMaps, "default", ConfigMap("a"), dryRun: false, ct);
        var watches = new WatchService(resources);

        await using var watch = await watches.OpenAsync(ConfigMaps, "default",
            new ListOptions { ResourceVersion = first["metadata"]!["resourceVersion"]!.GetValue<string>(), AllowWatchBookmarks = true }, ct);
        await using var items = watch.ReadAllAsync(ct).GetAsyncEnumerator(ct);

        // Events while the clock stands still: each arrives, no bookmark in between.
        for (var i = 0; i < 50; i++)
        {
            var created = await resources.CreateAsync(ConfigMaps, "default", ConfigMap($"b{i}"), dryRun: false, ct);
            Assert.True(await items.MoveNextAsync());
            Assert.Equal(ApiWatchEvent.Added, items.Current.Type);
            Assert.Equal(created["metadata"]!["resourceVersion"]!.GetValue<string>(), items.Current.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var last = items.Current.Revision;
        var next = items.MoveNextAsync().AsTask();
        Assert.False(next.IsCompleted);
        time.Advance(WatchService.BookmarkInterval - TimeSpan.FromSeconds(1));
        await Task.Delay(50, ct);
        Assert.False(next.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.True(items.Current.IsBookmark);
        Assert.Equal(last, items.Current.Revision);
    }
}
