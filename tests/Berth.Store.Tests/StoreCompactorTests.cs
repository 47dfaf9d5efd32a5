using Berth.Store.Memory;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Berth.Store.Tests;

[Trait("Tier", "Unit")]
public sealed class StoreCompactorTests
{
    [Fact]
    public async Task EachIntervalCompactsToTheRevisionOfTheIntervalBefore()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        await using var store = new TickCountingStore(new MemoryStore());
        var compactor = new StoreCompactor(store, time, interval: TimeSpan.FromMinutes(5));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = compactor.RunAsync(stop.Token);

        await store.CreateAsync("/0", new byte[] { 0 }, ct);
        var first = await store.CreateAsync("/a", new byte[] { 1 }, ct);
        await TickAsync(store, time, ct);
        Assert.False(IsCompacted(store, first - 1), "the first tick only notes the revision");

        await store.CreateAsync("/b", new byte[] { 2 }, ct);
        var third = await store.CreateAsync("/c", new byte[] { 3 }, ct);
        await TickAsync(store, time, ct);
        Assert.True(IsCompacted(store, first - 1));
        Assert.False(IsCompacted(store, first), "compacted past the revision of the previous tick");

        await TickAsync(store, time, ct);
        Assert.True(IsCompacted(store, third - 1));
        Assert.False(IsCompacted(store, third));

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10), ct);
    }

    private static bool IsCompacted(IStore store, long revision)
    {
        try
        {
            store.ListAsync("/", revision, CancellationToken.None).GetAwaiter().GetResult();
            return false;
        }
        catch (CompactedException)
        {
            return true;
        }
    }

    /// <summary>Moves fake time forward in small steps until the compactor has completed one more tick (it reads the revision last in each tick).</summary>
    private static async Task TickAsync(TickCountingStore store, FakeTimeProvider time, CancellationToken ct)
    {
        var before = store.Ticks;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (store.Ticks == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "the compactor did not tick");
            time.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(5, ct);
        }
    }

    /// <summary>A store that counts how often the current revision is read: once per compactor tick.</summary>
    private sealed class TickCountingStore(IStore inner) : IStore
    {
        private int _ticks;

        public int Ticks => Volatile.Read(ref _ticks);

        public Task StartAsync(CancellationToken cancellationToken) => inner.StartAsync(cancellationToken);

        public async Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken)
        {
            var revision = await inner.GetCurrentRevisionAsync(cancellationToken);
            Interlocked.Increment(ref _ticks);
            return revision;
        }

        public Task<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);

        public Task<StoreList> ListAsync(string prefix, long revision, CancellationToken cancellationToken) => inner.ListAsync(prefix, revision, cancellationToken);

        public Task<long> CountAsync(string prefix, CancellationToken cancellationToken) => inner.CountAsync(prefix, cancellationToken);

        public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) => inner.CreateAsync(key, value, cancellationToken);

        public Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken) =>
            inner.UpdateAsync(key, value, expectedRevision, cancellationToken);

        public Task<(StoreEntry Deleted, long Revision)> DeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken) =>
            inner.DeleteAsync(key, expectedRevision, cancellationToken);

        public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken) =>
            inner.WatchAsync(prefix, afterRevision, cancellationToken);

        public Task<long> CompactAsync(long revision, CancellationToken cancellationToken) => inner.CompactAsync(revision, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
