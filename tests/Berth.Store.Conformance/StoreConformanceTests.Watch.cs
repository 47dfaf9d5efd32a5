using System.Collections.Concurrent;
using Xunit;

namespace Berth.Store.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task WatchReportsCreateUpdateDeleteInRevisionOrder()
    {
        var start = await Store.GetCurrentRevisionAsync(Ct);
        await using var watch = Store.WatchAsync("/w/", start, Ct).GetAsyncEnumerator(Ct);

        var created = await Store.CreateAsync("/w/a", V("v1"), Ct);
        await Store.CreateAsync("/x/ignored", V("no"), Ct);
        var updated = await Store.UpdateAsync("/w/a", V("v2"), created, Ct);
        var (_, deleted) = await Store.DeleteAsync("/w/a", updated, Ct);
        var other = await Store.CreateAsync("/w/b", V("b"), Ct);

        var events = await TakeAsync(watch, 4);

        Assert.Equal([WatchEventType.Created, WatchEventType.Updated, WatchEventType.Deleted, WatchEventType.Created], events.Select(e => e.Type));
        Assert.Equal([created, updated, deleted, other], events.Select(e => e.Revision));
        Assert.Equal(["/w/a", "/w/a", "/w/a", "/w/b"], events.Select(e => e.Key));
        Assert.Equal(["v1", "v2", "v2", "b"], events.Select(e => S(e.Value)));
        Assert.Equal([created, created, created, other], events.Select(e => e.CreateRevision));
        Assert.Null(events[0].PreviousValue);
        Assert.Equal("v1", S(events[1].PreviousValue!.Value));
    }

    [Fact]
    public async Task WatchOfADeleteCarriesTheLastValue()
    {
        var created = await Store.CreateAsync("/wd/a", V("first"), Ct);
        var updated = await Store.UpdateAsync("/wd/a", V("last"), created, Ct);
        var (_, deleted) = await Store.DeleteAsync("/wd/a", 0, Ct);

        // Seen both from history (catch-up) and live.
        await using var fromHistory = Store.WatchAsync("/wd/", updated, Ct).GetAsyncEnumerator(Ct);
        var past = Assert.Single(await TakeAsync(fromHistory, 1));
        Assert.Equal((WatchEventType.Deleted, "/wd/a", "last", deleted, created), (past.Type, past.Key, S(past.Value), past.Revision, past.CreateRevision));

        var again = await Store.CreateAsync("/wd/a", V("again"), Ct);
        var (_, deletedAgain) = await Store.DeleteAsync("/wd/a", again, Ct);
        var live = await TakeAsync(fromHistory, 2);
        Assert.Equal((WatchEventType.Deleted, "again", deletedAgain, again), (live[1].Type, S(live[1].Value), live[1].Revision, live[1].CreateRevision));
    }

    [Fact]
    public async Task WatchFromAPastRevisionResumesWithoutGapsOrDuplicates()
    {
        var revisions = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            revisions.Add(await Store.CreateAsync($"/wr/k{i:D2}", V($"v{i}"), Ct));
        }

        await using var watch = Store.WatchAsync("/wr/", revisions[9], Ct).GetAsyncEnumerator(Ct);
        var history = await TakeAsync(watch, 10);
        Assert.Equal(revisions[10..], history.Select(e => e.Revision));

        for (var i = 20; i < 25; i++)
        {
            revisions.Add(await Store.CreateAsync($"/wr/k{i:D2}", V($"v{i}"), Ct));
        }

        var live = await TakeAsync(watch, 5);
        Assert.Equal(revisions[20..], live.Select(e => e.Revision));
        Assert.Equal(Enumerable.Range(10, 15).Select(i => $"/wr/k{i:D2}"), history.Concat(live).Select(e => e.Key));
    }

    [Fact]
    public async Task ConcurrentWritersAndWatchersSeeEveryEventOnceInOrder()
    {
        const int Writers = 6;
        const int KeysPerWriter = 8;
        const int UpdatesPerKey = 3;
        var start = await Store.GetCurrentRevisionAsync(Ct);
        var acknowledged = new ConcurrentBag<(string Key, long Revision)>();

        var watchers = new[] { "/cw/", "/cw/", "/cw/w1/" }.Select(prefix => (Prefix: prefix, Events: new List<WatchEvent>())).ToList();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var readers = watchers.Select(w => Task.Run(async () =>
        {
            try
            {
                await foreach (var e in Store.WatchAsync(w.Prefix, start, stop.Token))
                {
                    lock (w.Events)
                    {
                        w.Events.Add(e);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        })).ToList();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var k = 0; k < KeysPerWriter; k++)
            {
                var key = $"/cw/w{w}/k{k}";
                var revision = await Store.CreateAsync(key, V("0"), Ct);
                acknowledged.Add((key, revision));
                for (var u = 1; u <= UpdatesPerKey; u++)
                {
                    revision = await Store.UpdateAsync(key, V($"{u}"), revision, Ct);
                    acknowledged.Add((key, revision));
                }

                if (k % 2 == 0)
                {
                    var (_, deleted) = await Store.DeleteAsync(key, revision, Ct);
                    acknowledged.Add((key, deleted));
                }
            }
        })));

        foreach (var (prefix, events) in watchers)
        {
            var expected = acknowledged.Where(a => a.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(a => a.Revision).ToList();
            await WaitUntilAsync(() =>
            {
                lock (events)
                {
                    return events.Count >= expected.Count;
                }
            }, $"watcher on {prefix} to see {expected.Count} events");
            lock (events)
            {
                Assert.Equal(expected.Select(a => (a.Key, a.Revision)), events.Select(e => (e.Key, e.Revision)));
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
    }

    [Fact]
    public async Task WatchEndsWhenTheStoreIsDisposed()
    {
        var start = await Store.GetCurrentRevisionAsync(Ct);
        var watch = Store.WatchAsync("/wx/", start, Ct).GetAsyncEnumerator(Ct);
        try
        {
            await Store.CreateAsync("/wx/a", V("a"), Ct);
            Assert.Single(await TakeAsync(watch, 1));
            var next = watch.MoveNextAsync().AsTask();

            await Store.DisposeAsync();

            Assert.False(await next.WaitAsync(TimeSpan.FromSeconds(10), Ct), "the watch went on after the store was disposed");
        }
        finally
        {
            await watch.DisposeAsync();
        }
    }

    [Fact]
    public async Task CancellingAWatchEndsIt()
    {
        var start = await Store.GetCurrentRevisionAsync(Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using var watch = Store.WatchAsync("/wc/", start, cancel.Token).GetAsyncEnumerator(cancel.Token);
        var next = watch.MoveNextAsync().AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    /// <summary>The next <paramref name="count"/> events, or a failure naming what arrived before the deadline.</summary>
    protected async Task<List<WatchEvent>> TakeAsync(IAsyncEnumerator<WatchEvent> watch, int count)
    {
        var events = new List<WatchEvent>();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(15));
        while (events.Count < count)
        {
            bool more;
            try
            {
                more = await watch.MoveNextAsync().AsTask().WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !Ct.IsCancellationRequested)
            {
                throw new TimeoutException($"the watch gave {events.Count} of {count} events within 15 s: {string.Join(", ", events.Select(e => $"{e.Type} {e.Key}@{e.Revision}"))}");
            }

            Assert.True(more, $"the watch ended after {events.Count} of {count} events");
            events.Add(watch.Current);
        }

        return events;
    }

    protected async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(20, Ct);
        }
    }
}
