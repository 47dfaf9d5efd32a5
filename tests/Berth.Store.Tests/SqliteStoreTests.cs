using System.Text;
using Berth.Store.Sqlite;
using Xunit;

namespace Berth.Store.Tests;

/// <summary>What only the SQLite backend promises beyond the conformance suite: files, group commit, purging, the process lock.</summary>
[Trait("Tier", "Unit")]
public sealed class SqliteStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"bt-store-{Guid.NewGuid():N}");

    private string Database => Path.Combine(_directory, "state.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task AReopenedStoreHasTheSameEntriesRevisionAndCompactionPoint()
    {
        long revision, a;
        await using (var store = await OpenAsync())
        {
            a = await store.CreateAsync("/p/a", V("a1"), Ct);
            a = await store.UpdateAsync("/p/a", V("a2"), a, Ct);
            await store.CreateAsync("/p/b", V("b"), Ct);
            await store.DeleteAsync("/p/b", 0, Ct);
            revision = await store.CreateAsync("/p/c", V("c"), Ct);
            await store.CompactAsync(a, Ct);
        }

        Assert.True(File.Exists(Database));
        await using (var store = await OpenAsync())
        {
            Assert.Equal(revision, await store.GetCurrentRevisionAsync(Ct));
            Assert.Equal([("/p/a", "a2"), ("/p/c", "c")], (await store.ListAsync("/p/", 0, Ct)).Entries.Select(e => (e.Key, S(e.Value))));
            await Assert.ThrowsAsync<CompactedException>(() => store.ListAsync("/p/", a - 1, Ct));
            Assert.Equal(revision + 1, await store.CreateAsync("/p/d", V("d"), Ct));
        }
    }

    [Fact]
    public async Task ConcurrentWritersShareCommits()
    {
        await using var store = await OpenAsync();
        const int Writes = 256;

        var revisions = await Task.WhenAll(Enumerable.Range(0, Writes).Select(i => Task.Run(() => store.CreateAsync($"/g/k{i}", V("x"), Ct), Ct)));

        Assert.Equal(Enumerable.Range(1, Writes).Select(i => (long)i), revisions.Order());
        Assert.True(store.CommitCount < Writes, $"{Writes} concurrent writes took {store.CommitCount} commits: no group commit happened");
        Assert.Equal(Writes, await store.CountAsync("/g/", Ct));
    }

    [Fact]
    public async Task CompactionPurgesSupersededHistoryAndTombstones()
    {
        await using var store = await OpenAsync(purgeChunk: 5);
        for (var k = 0; k < 10; k++)
        {
            var revision = await store.CreateAsync($"/c/k{k}", V("0"), Ct);
            for (var u = 1; u <= 4; u++)
            {
                revision = await store.UpdateAsync($"/c/k{k}", V($"{u}"), revision, Ct);
            }

            if (k < 3)
            {
                await store.DeleteAsync($"/c/k{k}", revision, Ct);
            }
        }

        Assert.Equal(53, store.CountLogRows());
        var point = await store.GetCurrentRevisionAsync(Ct);

        await store.CompactAsync(point, Ct);

        Assert.Equal(7, store.CountLogRows());
        Assert.Equal(Enumerable.Range(3, 7).Select(k => ($"/c/k{k}", "4")), (await store.ListAsync("/c/", 0, Ct)).Entries.Select(e => (e.Key, S(e.Value))));
        var next = await store.UpdateAsync("/c/k5", V("5"), (await store.GetAsync("/c/k5", Ct))!.ModRevision, Ct);
        Assert.Equal(8, store.CountLogRows());
        Assert.Equal(point + 1, next);
    }

    [Fact]
    public async Task APurgeCutShortByShutdownResumesAtTheNextStart()
    {
        long point;
        await using (var store = await OpenAsync(purgeChunk: 1))
        {
            var revision = await store.CreateAsync("/r/a", V("0"), Ct);
            for (var i = 1; i <= 600; i++)
            {
                revision = await store.UpdateAsync("/r/a", V($"{i}"), revision, Ct);
            }

            point = revision;
            _ = store.CompactAsync(point, Ct); // one fsync per revision: far from done when the store closes
        }

        Assert.True(CountRowsOnDisk() > 1, "the purge finished before shutdown; the test did not exercise resuming");
        await using (var store = await OpenAsync())
        {
            await Assert.ThrowsAsync<CompactedException>(() => store.ListAsync("/r/", point - 1, Ct));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (store.CountLogRows() > 1)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{store.CountLogRows()} rows left; the purge did not resume");
                await Task.Delay(20, Ct);
            }

            Assert.Equal("600", S((await store.GetAsync("/r/a", Ct))!.Value));
        }
    }

    private long CountRowsOnDisk()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM log";
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task ASecondStoreOnTheSameFileIsRefused()
    {
        await using var first = await OpenAsync();

        var second = new SqliteStore(Database);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync(Ct));
        Assert.Contains("in use", e.Message, StringComparison.Ordinal);
        await second.DisposeAsync();
        Assert.Equal(1, await first.CreateAsync("/x", V("still works"), Ct));
    }

    [Fact]
    public async Task UseBeforeStartAndAfterDisposeFailsClearly()
    {
        var store = new SqliteStore(Database);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CreateAsync("/x", V("x"), Ct));
        await store.StartAsync(Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.StartAsync(Ct));
        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CreateAsync("/x", V("x"), Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetAsync("/x", Ct));
        await store.DisposeAsync();
    }

    [Fact]
    public async Task ACancelledWriteEitherHappenedOrDidNot()
    {
        await using var store = await OpenAsync();
        using var cancel = new CancellationTokenSource();
        var writes = Enumerable.Range(0, 200).Select(i => store.CreateAsync($"/cancel/k{i}", V("x"), cancel.Token)).ToList();
        await cancel.CancelAsync();

        var acknowledged = 0;
        foreach (var write in writes)
        {
            try
            {
                await write;
                acknowledged++;
            }
            catch (OperationCanceledException)
            {
            }
        }

        // A write reports cancellation only if the writer never took it, so the acknowledged ones are exactly what is stored.
        Assert.Equal(acknowledged, await store.CountAsync("/cancel/", Ct));
        Assert.Equal(acknowledged, await store.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task TheWalStaysBoundedUnderContinuousWrites()
    {
        // Checkpoints every 64 pages (background) and a completing one at 256 pages (writer): 8 MiB of
        // writes from 8 writers that never pause must not leave the WAL anywhere near 8 MiB.
        await using var store = await OpenAsync(checkpointPages: 64);
        var wal = new FileInfo(Database + "-wal");
        var value = new byte[2048];
        var largest = 0L;
        await Parallel.ForEachAsync(Enumerable.Range(0, 4096), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
        {
            await store.CreateAsync($"/wal/k{i:D5}", value, ct);
            wal.Refresh();
            var size = wal.Exists ? wal.Length : 0;
            InterlockedMax(ref largest, size);
        });

        Assert.True(largest > 0, "no WAL file was seen: is the store in WAL mode?");
        // Unchecked, this workload leaves a WAL of ~32 MiB (pages, not values, are logged); bounded, ~1-5 MiB
        // depending on how long a CPU-starved background checkpoint holds the checkpoint lock.
        Assert.True(largest < 8 * 1024 * 1024, $"the WAL grew to {largest} bytes for 8 MiB of writes");
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var seen = Interlocked.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private async Task<SqliteStore> OpenAsync(int purgeChunk = 2000, int checkpointPages = 1000)
    {
        var store = new SqliteStore(new SqliteStoreOptions { Path = Database, PurgeChunkRevisions = purgeChunk, CheckpointPages = checkpointPages });
        await store.StartAsync(Ct);
        return store;
    }

    private static byte[] V(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(ReadOnlyMemory<byte> m) => Encoding.UTF8.GetString(m.Span);
}
