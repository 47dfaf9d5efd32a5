using System.Text;
using Xunit;

namespace Berth.Store.Conformance;

/// <summary>
/// The one behavioural suite every <see cref="IStore"/> backend must pass (as containerd's
/// core/snapshots/testsuite is for snapshotters and kine's black-box suite for its drivers).
/// A backend joins by deriving a class that opens a fresh, started store per test; the facts are
/// inherited. Tests never assume the store starts at revision 0 (etcd does not), only that its keys
/// start empty.
/// </summary>
/// <remarks>The suite is split by subject over partial files: CRUD and revisions here, lists, watches, compaction beside it.</remarks>
public abstract partial class StoreConformanceTests : IAsyncLifetime
{
    private static readonly TimeSpan _testTimeout = TimeSpan.FromSeconds(60);
    private CancellationTokenSource? _cts;
    private IStore? _store;

    protected IStore Store => _store ?? throw new InvalidOperationException("the store is not open");

    /// <summary>Cancels when the test ends or runs past its deadline; every wait in the suite uses it.</summary>
    protected CancellationToken Ct => _cts!.Token;

    /// <summary>Opens and starts a store whose keys are empty, for one test.</summary>
    protected abstract Task<IStore> OpenStoreAsync();

    /// <summary>Disposes the test's store and whatever it left on disk.</summary>
    protected virtual async Task CloseStoreAsync(IStore store) => await store.DisposeAsync();

    public async ValueTask InitializeAsync()
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _cts.CancelAfter(_testTimeout);
        _store = await OpenStoreAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await CloseStoreAsync(_store);
        }

        _cts?.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static byte[] V(string s) => Encoding.UTF8.GetBytes(s);

    protected static string S(ReadOnlyMemory<byte> m) => Encoding.UTF8.GetString(m.Span);

    [Fact]
    public async Task CreateThenGetReturnsTheValueAndItsRevisions()
    {
        var before = await Store.GetCurrentRevisionAsync(Ct);
        var revision = await Store.CreateAsync("/c/a", V("one"), Ct);

        Assert.True(revision > before, $"create got revision {revision}, not above {before}");
        var entry = await Store.GetAsync("/c/a", Ct);
        Assert.NotNull(entry);
        Assert.Equal("/c/a", entry.Key);
        Assert.Equal("one", S(entry.Value));
        Assert.Equal(revision, entry.CreateRevision);
        Assert.Equal(revision, entry.ModRevision);
        Assert.Equal(revision, await Store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task GetOfAMissingKeyIsNull()
    {
        await Store.CreateAsync("/c/present", V("x"), Ct);
        Assert.Null(await Store.GetAsync("/c/absent", Ct));
        Assert.Null(await Store.GetAsync("/c/presen", Ct));
    }

    [Fact]
    public async Task CreateOfAnExistingKeyThrowsKeyExistsAndChangesNothing()
    {
        var revision = await Store.CreateAsync("/c/a", V("first"), Ct);

        var e = await Assert.ThrowsAsync<KeyExistsException>(() => Store.CreateAsync("/c/a", V("second"), Ct));
        Assert.Equal("/c/a", e.Key);
        var entry = await Store.GetAsync("/c/a", Ct);
        Assert.Equal("first", S(entry!.Value));
        Assert.Equal(revision, entry.ModRevision);
        Assert.Equal(revision, await Store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task UpdateAtTheCurrentRevisionReplacesTheValueAndKeepsTheCreateRevision()
    {
        var created = await Store.CreateAsync("/c/a", V("v1"), Ct);
        var updated = await Store.UpdateAsync("/c/a", V("v2"), created, Ct);

        Assert.True(updated > created);
        var entry = await Store.GetAsync("/c/a", Ct);
        Assert.Equal("v2", S(entry!.Value));
        Assert.Equal(created, entry.CreateRevision);
        Assert.Equal(updated, entry.ModRevision);
    }

    [Fact]
    public async Task UpdateAtAStaleRevisionThrowsConflictCarryingTheCurrentEntry()
    {
        var created = await Store.CreateAsync("/c/a", V("v1"), Ct);
        var updated = await Store.UpdateAsync("/c/a", V("v2"), created, Ct);

        var e = await Assert.ThrowsAsync<RevisionConflictException>(() => Store.UpdateAsync("/c/a", V("v3"), created, Ct));
        Assert.Equal("/c/a", e.Key);
        Assert.Equal(created, e.Expected);
        Assert.Equal(updated, e.Current.ModRevision);
        Assert.Equal(created, e.Current.CreateRevision);
        Assert.Equal("v2", S(e.Current.Value));
        Assert.Equal("v2", S((await Store.GetAsync("/c/a", Ct))!.Value));
    }

    [Fact]
    public async Task UpdateOfAMissingKeyThrowsKeyNotFound()
    {
        var revision = await Store.CreateAsync("/c/other", V("x"), Ct);

        var e = await Assert.ThrowsAsync<KeyNotFoundStoreException>(() => Store.UpdateAsync("/c/missing", V("v"), revision, Ct));
        Assert.Equal("/c/missing", e.Key);
        await Assert.ThrowsAsync<KeyNotFoundStoreException>(() => Store.UpdateAsync("/c/missing", V("v"), 0, Ct));
        Assert.Null(await Store.GetAsync("/c/missing", Ct));
    }

    [Fact]
    public async Task DeleteReturnsTheLastValueAndTheDeletionRevision()
    {
        var created = await Store.CreateAsync("/c/a", V("v1"), Ct);
        var updated = await Store.UpdateAsync("/c/a", V("v2"), created, Ct);

        var (deleted, revision) = await Store.DeleteAsync("/c/a", updated, Ct);

        Assert.True(revision > updated);
        Assert.Equal("/c/a", deleted.Key);
        Assert.Equal("v2", S(deleted.Value));
        Assert.Equal(created, deleted.CreateRevision);
        Assert.Equal(updated, deleted.ModRevision);
        Assert.Null(await Store.GetAsync("/c/a", Ct));
        Assert.Equal(revision, await Store.GetCurrentRevisionAsync(Ct));
        await Assert.ThrowsAsync<KeyNotFoundStoreException>(() => Store.DeleteAsync("/c/a", 0, Ct));

        var recreated = await Store.CreateAsync("/c/a", V("v3"), Ct);
        var entry = await Store.GetAsync("/c/a", Ct);
        Assert.Equal(recreated, entry!.CreateRevision);
    }

    [Fact]
    public async Task DeleteAtAStaleRevisionThrowsConflictAndZeroMeansAnyRevision()
    {
        var created = await Store.CreateAsync("/c/a", V("v1"), Ct);
        var updated = await Store.UpdateAsync("/c/a", V("v2"), created, Ct);

        var e = await Assert.ThrowsAsync<RevisionConflictException>(() => Store.DeleteAsync("/c/a", created, Ct));
        Assert.Equal(updated, e.Current.ModRevision);
        Assert.NotNull(await Store.GetAsync("/c/a", Ct));

        var (deleted, _) = await Store.DeleteAsync("/c/a", 0, Ct);
        Assert.Equal("v2", S(deleted.Value));
        await Assert.ThrowsAsync<KeyNotFoundStoreException>(() => Store.DeleteAsync("/c/never", 0, Ct));
    }

    [Fact]
    public async Task FailedWritesDoNotAdvanceTheRevision()
    {
        var created = await Store.CreateAsync("/c/a", V("v1"), Ct);
        var updated = await Store.UpdateAsync("/c/a", V("v2"), created, Ct);

        await Assert.ThrowsAsync<KeyExistsException>(() => Store.CreateAsync("/c/a", V("x"), Ct));
        await Assert.ThrowsAsync<RevisionConflictException>(() => Store.UpdateAsync("/c/a", V("x"), created, Ct));
        await Assert.ThrowsAsync<RevisionConflictException>(() => Store.DeleteAsync("/c/a", created, Ct));
        await Assert.ThrowsAsync<KeyNotFoundStoreException>(() => Store.UpdateAsync("/c/b", V("x"), created, Ct));

        Assert.Equal(updated, await Store.GetCurrentRevisionAsync(Ct));
        var next = await Store.CreateAsync("/c/b", V("y"), Ct);
        Assert.True(next > updated);
    }

    [Fact]
    public async Task RevisionsAreGlobalAndStrictlyIncreasing()
    {
        var last = await Store.GetCurrentRevisionAsync(Ct);
        var modRevisions = new Dictionary<string, long>();
        for (var i = 0; i < 30; i++)
        {
            var key = $"/r/k{i % 3}";
            long revision;
            if (!modRevisions.TryGetValue(key, out var mod))
            {
                revision = await Store.CreateAsync(key, V($"v{i}"), Ct);
            }
            else if (i % 7 == 0)
            {
                (_, revision) = await Store.DeleteAsync(key, mod, Ct);
                modRevisions.Remove(key);
                Assert.True(revision > last, $"op {i}: revision {revision} is not above {last}");
                last = revision;
                continue;
            }
            else
            {
                revision = await Store.UpdateAsync(key, V($"v{i}"), mod, Ct);
            }

            Assert.True(revision > last, $"op {i}: revision {revision} is not above {last}");
            last = revision;
            modRevisions[key] = revision;
        }

        Assert.Equal(last, await Store.GetCurrentRevisionAsync(Ct));
        foreach (var (key, mod) in modRevisions)
        {
            Assert.Equal(mod, (await Store.GetAsync(key, Ct))!.ModRevision);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    public async Task ConcurrentUpdatesAtTheSameRevisionHaveExactlyOneWinner(int updaters)
    {
        var created = await Store.CreateAsync("/cas/a", V("base"), Ct);
        using var start = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, updaters).Select(i => Task.Run(async () =>
        {
            start.Wait(Ct);
            try
            {
                return (Winner: i, Revision: await Store.UpdateAsync("/cas/a", V($"u{i}"), created, Ct));
            }
            catch (RevisionConflictException e)
            {
                Assert.Equal(created, e.Expected);
                Assert.True(e.Current.ModRevision > created);
                return (Winner: -1, Revision: 0L);
            }
        })).ToList();
        start.Set();
        var results = await Task.WhenAll(attempts);

        var winners = results.Where(r => r.Winner >= 0).ToList();
        Assert.Single(winners);
        var entry = await Store.GetAsync("/cas/a", Ct);
        Assert.Equal($"u{winners[0].Winner}", S(entry!.Value));
        Assert.Equal(winners[0].Revision, entry.ModRevision);
    }

    [Fact]
    public async Task ConcurrentCreatesOfOneKeyHaveExactlyOneWinner()
    {
        using var start = new ManualResetEventSlim();
        var attempts = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            start.Wait(Ct);
            try
            {
                await Store.CreateAsync("/cas/new", V($"c{i}"), Ct);
                return i;
            }
            catch (KeyExistsException)
            {
                return -1;
            }
        })).ToList();
        start.Set();
        var winners = (await Task.WhenAll(attempts)).Where(i => i >= 0).ToList();

        Assert.Single(winners);
        Assert.Equal($"c{winners[0]}", S((await Store.GetAsync("/cas/new", Ct))!.Value));
    }

    [Fact]
    public async Task ValuesRoundTripByteForByte()
    {
        var binary = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var large = new byte[200_000];
        new Random(42).NextBytes(large);

        await Store.CreateAsync("/v/empty", ReadOnlyMemory<byte>.Empty, Ct);
        await Store.CreateAsync("/v/binary", binary, Ct);
        await Store.CreateAsync("/v/large", large, Ct);
        await Store.CreateAsync("/v/ünïcødé/名前", V("ok"), Ct);

        Assert.Equal(0, (await Store.GetAsync("/v/empty", Ct))!.Value.Length);
        Assert.Equal(binary, (await Store.GetAsync("/v/binary", Ct))!.Value.ToArray());
        Assert.Equal(large, (await Store.GetAsync("/v/large", Ct))!.Value.ToArray());
        Assert.Equal("ok", S((await Store.GetAsync("/v/ünïcødé/名前", Ct))!.Value));
    }

    [Fact]
    public async Task CountCountsLiveKeysUnderThePrefix()
    {
        Assert.Equal(0, await Store.CountAsync("/n/", Ct));
        for (var i = 0; i < 12; i++)
        {
            await Store.CreateAsync($"/n/pods/p{i:D2}", V("x"), Ct);
        }

        await Store.CreateAsync("/n/podsx", V("x"), Ct);
        var (_, _) = await Store.DeleteAsync("/n/pods/p03", 0, Ct);

        Assert.Equal(11, await Store.CountAsync("/n/pods/", Ct));
        Assert.Equal(12, await Store.CountAsync("/n/pods", Ct));
        Assert.Equal(12, await Store.CountAsync("/n/", Ct));
        Assert.Equal(0, await Store.CountAsync("/n/none/", Ct));
    }
}
