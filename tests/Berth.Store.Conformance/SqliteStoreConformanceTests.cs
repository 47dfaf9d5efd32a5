using Berth.Store.Sqlite;
using Xunit;

namespace Berth.Store.Conformance;

/// <summary>The suite against a SQLite file in a fresh temporary directory per test (disk only, no processes: Unit tier).</summary>
[Trait("Tier", "Unit")]
public sealed class SqliteStoreConformanceTests : StoreConformanceTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"bt-store-{Guid.NewGuid():N}");

    protected override async Task<IStore> OpenStoreAsync()
    {
        // A small purge chunk so that compaction runs in several interleaved transactions.
        var store = new SqliteStore(new SqliteStoreOptions { Path = Path.Combine(_directory, "state.db"), PurgeChunkRevisions = 7 });
        await store.StartAsync(Ct);
        return store;
    }

    protected override async Task CloseStoreAsync(IStore store)
    {
        await base.CloseStoreAsync(store);
        Directory.Delete(_directory, recursive: true);
    }
}
