using Xunit;

namespace Berth.Store.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task ListReturnsLiveEntriesInKeyOrderAtTheCurrentRevision()
    {
        var revisions = new Dictionary<string, long>();
        foreach (var name in new[] { "c", "a", "d", "b" })
        {
            revisions[$"/l/{name}"] = await Store.CreateAsync($"/l/{name}", V(name), Ct);
        }

        var (_, deletedAt) = await Store.DeleteAsync("/l/d", 0, Ct);

        var list = await Store.ListAsync("/l/", 0, Ct);

        Assert.Equal(deletedAt, list.Revision);
        Assert.Equal(["/l/a", "/l/b", "/l/c"], list.Entries.Select(e => e.Key));
        foreach (var entry in list.Entries)
        {
            Assert.Equal(entry.Key[^1..], S(entry.Value));
            Assert.Equal(revisions[entry.Key], entry.ModRevision);
            Assert.Equal(revisions[entry.Key], entry.CreateRevision);
        }
    }

    [Fact]
    public async Task ListPrefixesAreStringPrefixes()
    {
        foreach (var key in new[] { "/a/b", "/a/b/x", "/a/b/y/z", "/a/bc", "/a/bc/y", "/a/a", "/a/b0", "/b/x" })
        {
            await Store.CreateAsync(key, V(key), Ct);
        }

        Assert.Equal(["/a/b/x", "/a/b/y/z"], (await Store.ListAsync("/a/b/", 0, Ct)).Entries.Select(e => e.Key));
        Assert.Equal(["/a/bc/y"], (await Store.ListAsync("/a/bc/", 0, Ct)).Entries.Select(e => e.Key));
        Assert.Equal(["/a/b", "/a/b/x", "/a/b/y/z", "/a/b0", "/a/bc", "/a/bc/y"], (await Store.ListAsync("/a/b", 0, Ct)).Entries.Select(e => e.Key));
        Assert.Equal(["/b/x"], (await Store.ListAsync("/b/", 0, Ct)).Entries.Select(e => e.Key));
        Assert.Empty((await Store.ListAsync("/a/b/x/", 0, Ct)).Entries);
        Assert.Equal(2, await Store.CountAsync("/a/b/", Ct));
    }

    [Fact]
    public async Task ListAtAnOlderRevisionSeesTheStateAsItWasThen()
    {
        var a1 = await Store.CreateAsync("/h/a", V("a1"), Ct);
        var b1 = await Store.CreateAsync("/h/b", V("b1"), Ct);
        var a2 = await Store.UpdateAsync("/h/a", V("a2"), a1, Ct);
        await Store.DeleteAsync("/h/b", b1, Ct);
        var c1 = await Store.CreateAsync("/h/c", V("c1"), Ct);

        var then = await Store.ListAsync("/h/", b1, Ct);
        Assert.Equal(b1, then.Revision);
        Assert.Equal([("/h/a", "a1", a1), ("/h/b", "b1", b1)], then.Entries.Select(e => (e.Key, S(e.Value), e.ModRevision)));

        var middle = await Store.ListAsync("/h/", a2, Ct);
        Assert.Equal([("/h/a", "a2", a2), ("/h/b", "b1", b1)], middle.Entries.Select(e => (e.Key, S(e.Value), e.ModRevision)));
        Assert.Equal(a1, middle.Entries[0].CreateRevision);

        var now = await Store.ListAsync("/h/", 0, Ct);
        Assert.Equal(c1, now.Revision);
        Assert.Equal([("/h/a", "a2"), ("/h/c", "c1")], now.Entries.Select(e => (e.Key, S(e.Value))));
        Assert.Equal(now.Entries.Select(e => e.Key), (await Store.ListAsync("/h/", c1, Ct)).Entries.Select(e => e.Key));
    }

    [Fact]
    public async Task ListAtAFutureRevisionThrows()
    {
        var revision = await Store.CreateAsync("/f/a", V("x"), Ct);

        var e = await Assert.ThrowsAsync<FutureRevisionException>(() => Store.ListAsync("/f/", revision + 1000, Ct));
        Assert.Equal(revision + 1000, e.Requested);
    }

    [Fact]
    public async Task ListOfManyKeysIsCompleteAndConsistent()
    {
        // More keys than a backend's page (the etcd suite pages by 100) written by concurrent writers.
        const int Keys = 450;
        await Parallel.ForEachAsync(Enumerable.Range(0, Keys), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct },
            async (i, ct) => await Store.CreateAsync($"/many/k{i:D4}", V($"v{i}"), ct));
        var revision = await Store.GetCurrentRevisionAsync(Ct);
        await Store.CreateAsync("/many/k9999", V("late"), Ct);

        var list = await Store.ListAsync("/many/", revision, Ct);

        Assert.Equal(revision, list.Revision);
        Assert.Equal(Enumerable.Range(0, Keys).Select(i => $"/many/k{i:D4}"), list.Entries.Select(e => e.Key));
        Assert.All(list.Entries, e => Assert.Equal($"v{int.Parse(e.Key[^4..], System.Globalization.CultureInfo.InvariantCulture)}", S(e.Value)));
        Assert.Equal(Keys + 1, (await Store.ListAsync("/many/", 0, Ct)).Entries.Count);
    }
}
