using Xunit;

namespace Berth.Store.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task CompactionKeepsLiveValuesAndRefusesOlderReadsAndWatches()
    {
        var origin = await Store.GetCurrentRevisionAsync(Ct);
        var a = await Store.CreateAsync("/k/a", V("a0"), Ct);
        var b = await Store.CreateAsync("/k/b", V("b0"), Ct);
        for (var i = 1; i <= 3; i++)
        {
            a = await Store.UpdateAsync("/k/a", V($"a{i}"), a, Ct);
        }

        var beforeDelete = await Store.GetCurrentRevisionAsync(Ct);
        await Store.DeleteAsync("/k/b", b, Ct);
        var c = await Store.CreateAsync("/k/c", V("c0"), Ct);

        var point = await Store.CompactAsync(c, Ct);

        Assert.Equal(c, point);
        Assert.Equal("a3", S((await Store.GetAsync("/k/a", Ct))!.Value));
        Assert.Null(await Store.GetAsync("/k/b", Ct));
        Assert.Equal([("/k/a", "a3", a), ("/k/c", "c0", c)], (await Store.ListAsync("/k/", 0, Ct)).Entries.Select(e => (e.Key, S(e.Value), e.ModRevision)));
        Assert.Equal(["/k/a", "/k/c"], (await Store.ListAsync("/k/", c, Ct)).Entries.Select(e => e.Key));
        Assert.Equal(2, await Store.CountAsync("/k/", Ct));

        var listed = await Assert.ThrowsAsync<CompactedException>(() => Store.ListAsync("/k/", beforeDelete, Ct));
        Assert.Equal(beforeDelete, listed.Requested);
        await using (var old = Store.WatchAsync("/k/", origin, Ct).GetAsyncEnumerator(Ct))
        {
            await Assert.ThrowsAsync<CompactedException>(async () => await old.MoveNextAsync());
        }

        // From the compaction point on, history is whole: a watch there sees the next writes.
        await using var watch = Store.WatchAsync("/k/", c, Ct).GetAsyncEnumerator(Ct);
        var next = await Store.UpdateAsync("/k/a", V("a4"), a, Ct);
        var e = Assert.Single(await TakeAsync(watch, 1));
        Assert.Equal((WatchEventType.Updated, "/k/a", next), (e.Type, e.Key, e.Revision));
    }

    [Fact]
    public async Task CompactionIsIdempotentAndRefusesTheFuture()
    {
        await Store.CreateAsync("/ki/a", V("x"), Ct);
        var revision = await Store.CreateAsync("/ki/b", V("y"), Ct);

        Assert.Equal(revision, await Store.CompactAsync(revision, Ct));
        Assert.True(await Store.CompactAsync(revision, Ct) >= revision);
        Assert.True(await Store.CompactAsync(revision - 1, Ct) >= revision);
        await Assert.ThrowsAsync<FutureRevisionException>(() => Store.CompactAsync(revision + 1000, Ct));

        var after = await Store.CreateAsync("/ki/c", V("z"), Ct);
        Assert.True(after > revision);
        Assert.Equal(3, (await Store.ListAsync("/ki/", 0, Ct)).Entries.Count);
    }

    [Fact]
    public async Task WatchAfterCompactionStillResumesFromKeptHistory()
    {
        var first = await Store.CreateAsync("/kw/a", V("1"), Ct);
        var mid = await Store.UpdateAsync("/kw/a", V("2"), first, Ct);
        var later = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            later.Add(await Store.CreateAsync($"/kw/k{i}", V($"{i}"), Ct));
        }

        await Store.CompactAsync(mid, Ct);

        await using var watch = Store.WatchAsync("/kw/", mid, Ct).GetAsyncEnumerator(Ct);
        Assert.Equal(later, (await TakeAsync(watch, 5)).Select(e => e.Revision));
    }
}
