using System.Text;
using Berth.Store.Memory;
using Berth.Store.Sqlite;
using Xunit;

namespace Berth.Store.Tests;

/// <summary>
/// A watcher that stops reading overflows its queue (capacity 2 here) and must then catch up from
/// history without a gap or a duplicate, in both embedded backends.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class WatchOverflowTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"bt-store-{Guid.NewGuid():N}");

    public static TheoryData<string> Backends => new() { "memory", "sqlite" };

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ASlowWatcherCatchesUpFromHistory(string backend)
    {
        var ct = TestContext.Current.CancellationToken;
        await using IStore store = backend == "memory"
            ? new MemoryStore(watchQueueCapacity: 2)
            : new SqliteStore(new SqliteStoreOptions { Path = Path.Combine(_directory, "state.db"), WatchQueueCapacity = 2 });
        await store.StartAsync(ct);
        var start = await store.CreateAsync("/o/first", Encoding.UTF8.GetBytes("0"), ct);
        await using var watch = store.WatchAsync("/o/", start - 1, ct).GetAsyncEnumerator(ct);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(start, watch.Current.Revision);

        // The watch is now live and nobody reads it while 300 commits go by.
        var revisions = new List<long>();
        for (var i = 0; i < 300; i++)
        {
            revisions.Add(await store.CreateAsync($"/o/k{i:D3}", Encoding.UTF8.GetBytes($"{i}"), ct));
        }

        var seen = new List<long>();
        while (seen.Count < revisions.Count && await watch.MoveNextAsync())
        {
            seen.Add(watch.Current.Revision);
        }

        Assert.Equal(revisions, seen);
    }
}
