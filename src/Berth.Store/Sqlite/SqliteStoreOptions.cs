namespace Berth.Store.Sqlite;

/// <summary>Settings of a <see cref="SqliteStore"/>.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The database file (conventionally <c>DATA_DIR/state.db</c>); required. Its directory is created if missing.</summary>
    public required string Path { get; init; }

    /// <summary>The most writes one transaction (one fsync) may carry. Writers that arrive while a commit is in flight wait for the next one.</summary>
    public int MaxBatchSize { get; init; } = 1024;

    /// <summary>How many revisions of history one purge transaction of a compaction covers; purges interleave with writes.</summary>
    public int PurgeChunkRevisions { get; init; } = 2000;

    /// <summary>
    /// WAL growth, in pages, between two background checkpoints (SQLite's own automatic checkpoint,
    /// which runs inside a commit, is off); the writer forces one at four times this. SQLite's default is 1000.
    /// </summary>
    public int CheckpointPages { get; init; } = 1000;

    /// <summary>Commits a watcher may fall behind before it is moved to catching up from the log.</summary>
    public int WatchQueueCapacity { get; init; } = 1024;
}
