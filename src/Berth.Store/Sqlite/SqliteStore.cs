using System.Globalization;
using Berth.Store.Watching;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Store.Sqlite;

/// <summary>
/// The embedded default <see cref="IStore"/>: a revisioned log in one SQLite file (WAL,
/// synchronous=FULL), written by one group-committing writer thread (<see cref="SqliteWriter"/>),
/// read through pooled connections, watched through an in-process <see cref="WatchHub"/>.
/// See docs/store.md for the table layout and the durability argument.
/// </summary>
/// <remarks>
/// One process owns the file: <see cref="StartAsync"/> takes an exclusive lock on
/// <c>PATH.lock</c> and fails if another process holds it, because the revision counter and the
/// watch fan-out live in this process.
/// </remarks>
public sealed partial class SqliteStore : IStore, IWatchLog
{
    private const int WatchPageSize = 1000;
    private const string MemoryMapPragma = "PRAGMA mmap_size=1073741824";
    private readonly SqliteStoreOptions _options;
    private readonly ILogger _logger;
    private readonly string _path;
    private readonly string _readConnectionString;
    private readonly string _writeConnectionString;
    private FileStream? _lockFile;
    private SqliteConnection? _writeConnection;
    private SqliteWriter? _writer;
    private SqliteCheckpointer? _checkpointer;
    private WatchHub? _hub;
    private int _state; // 0 new, 1 started, 2 disposed

    public SqliteStore(SqliteStoreOptions options, ILogger<SqliteStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Path);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PurgeChunkRevisions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WatchQueueCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CheckpointPages, 1);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _path = System.IO.Path.GetFullPath(options.Path);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
        };
        _readConnectionString = builder.ToString();
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        builder.Pooling = false;
        _writeConnectionString = builder.ToString();
    }

    /// <summary>Opens <paramref name="path"/> with default options.</summary>
    public SqliteStore(string path, ILogger<SqliteStore>? logger = null)
        : this(new SqliteStoreOptions { Path = path }, logger)
    {
    }

    /// <summary>The database file.</summary>
    public string Path => _path;

    /// <summary>Write transactions committed so far (each one fsync); with concurrent writers it stays well below the number of writes.</summary>
    public long CommitCount => Writer.Commits;

    private SqliteWriter Writer => _state == 1 ? _writer! : throw NotRunning();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("the store was already started");
        }

        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
            try
            {
                _lockFile = new FileStream(_path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e)
            {
                throw new InvalidOperationException($"the store {_path} is in use by another process", e);
            }

            _writeConnection = new SqliteConnection(_writeConnectionString);
            _writeConnection.Open();
            Execute(_writeConnection, "PRAGMA journal_mode=WAL");
            Execute(_writeConnection, "PRAGMA synchronous=FULL");
            Execute(_writeConnection, "PRAGMA busy_timeout=10000");
            Execute(_writeConnection, MemoryMapPragma);
            Execute(_writeConnection, "PRAGMA wal_autocheckpoint=0");
            Execute(_writeConnection, "PRAGMA journal_size_limit=67108864");
            foreach (var ddl in SqliteSchema.Create)
            {
                Execute(_writeConnection, ddl);
            }

            var schema = ReadMeta(_writeConnection, "schema");
            if (schema != SqliteSchema.Version)
            {
                throw new InvalidOperationException($"{_path} has store schema {schema}; this build reads schema {SqliteSchema.Version}");
            }

            var revision = ReadMeta(_writeConnection, "revision");
            var compact = ReadMeta(_writeConnection, "compact");
            var purged = ReadMeta(_writeConnection, "purged");
            _hub = new WatchHub(revision, _options.WatchQueueCapacity);
            _checkpointer = new SqliteCheckpointer(_writeConnectionString, _logger);
            _writer = new SqliteWriter(_writeConnection, _checkpointer, _hub, _options, _logger, revision, compact, purged);
            _writer.Start();
            LogOpened(_logger, _path, revision, compact);
            return Task.CompletedTask;
        }
        catch
        {
            _checkpointer?.Dispose();
            _writeConnection?.Dispose();
            _lockFile?.Dispose();
            _state = 2;
            throw;
        }
    }

    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken) => Task.FromResult(Writer.Revision);

    public Task<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.SelectCurrent;
        command.Parameters.AddWithValue("$key", key);
        using var reader = command.ExecuteReader();
        StoreEntry? entry = reader.Read()
            ? new StoreEntry(key, reader.GetFieldValue<byte[]>(2), reader.GetInt64(0), reader.GetInt64(1))
            : null;
        return Task.FromResult(entry);
    }

    public Task<StoreList> ListAsync(string prefix, long revision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        var rangeEnd = KeyPrefix.RangeEnd(prefix);
        using var connection = OpenReader();
        using var transaction = connection.BeginTransaction(deferred: true);
        var current = ReadMeta(connection, "revision");
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        if (revision == 0 || revision == current)
        {
            command.CommandText = string.Format(CultureInfo.InvariantCulture, SqliteSchema.ListCurrent, SqliteSchema.UpperBound("c.key", rangeEnd));
            revision = current;
        }
        else
        {
            if (revision > current)
            {
                throw new FutureRevisionException(revision, current);
            }

            var compact = ReadMeta(connection, "compact");
            if (revision < compact)
            {
                throw new CompactedException(revision, compact);
            }

            command.CommandText = string.Format(CultureInfo.InvariantCulture, SqliteSchema.ListAtRevision, SqliteSchema.UpperBound("l.key", rangeEnd));
            command.Parameters.AddWithValue("$rev", revision);
        }

        command.Parameters.AddWithValue("$lo", prefix);
        if (rangeEnd is not null)
        {
            command.Parameters.AddWithValue("$hi", rangeEnd);
        }

        var entries = new List<StoreEntry>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                entries.Add(new StoreEntry(reader.GetString(0), reader.GetFieldValue<byte[]>(3), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        transaction.Commit();
        return Task.FromResult(new StoreList(entries, revision));
    }

    public Task<long> CountAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var rangeEnd = KeyPrefix.RangeEnd(prefix);
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = string.Format(CultureInfo.InvariantCulture, SqliteSchema.CountCurrent, SqliteSchema.UpperBound("key", rangeEnd));
        command.Parameters.AddWithValue("$lo", prefix);
        if (rangeEnd is not null)
        {
            command.Parameters.AddWithValue("$hi", rangeEnd);
        }

        return Task.FromResult((long)command.ExecuteScalar()!);
    }

    public async Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (await SubmitAsync(new WriteOp(WriteKind.Create, key, value.ToArray(), 0), cancellationToken)).Revision;
    }

    public async Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return (await SubmitAsync(new WriteOp(WriteKind.Update, key, value.ToArray(), expectedRevision), cancellationToken)).Revision;
    }

    public async Task<(StoreEntry Deleted, long Revision)> DeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var result = await SubmitAsync(new WriteOp(WriteKind.Delete, key, [], expectedRevision), cancellationToken);
        return (result.Deleted!, result.Revision);
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        _ = KeyPrefix.RangeEnd(prefix);
        _ = Writer;
        return WatchLoop.RunAsync(_hub!, this, prefix, afterRevision, WatchPageSize, cancellationToken);
    }

    /// <summary>
    /// Refuses reads and watches below <paramref name="revision"/> from now on, then deletes the history
    /// it no longer needs (in chunks, between write batches). Completes when the purge is done.
    /// </summary>
    public async Task<long> CompactAsync(long revision, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        return (await SubmitAsync(new WriteOp(WriteKind.Compact, string.Empty, [], revision), cancellationToken)).Revision;
    }

    /// <summary>Commits queued writes, ends watches, closes the file and releases the lock.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return ValueTask.CompletedTask;
        }

        _writer!.Dispose();
        _hub!.Close();
        _checkpointer!.Dispose();
        _writeConnection!.Dispose();
        using (var connection = new SqliteConnection(_readConnectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        _lockFile!.Dispose();
        return ValueTask.CompletedTask;
    }

    void IWatchLog.EnsureNotCompacted(long afterRevision)
    {
        var compact = Writer.CompactRevision;
        if (afterRevision < compact)
        {
            throw new CompactedException(afterRevision, compact);
        }
    }

    ValueTask<IReadOnlyList<WatchEvent>> IWatchLog.ReadAsync(string prefix, long afterRevision, long upToRevision, int limit, CancellationToken cancellationToken)
    {
        if (_state != 1)
        {
            return ValueTask.FromResult<IReadOnlyList<WatchEvent>>([]);
        }

        var rangeEnd = KeyPrefix.RangeEnd(prefix);
        using var connection = OpenReader();
        using var transaction = connection.BeginTransaction(deferred: true);
        var compact = ReadMeta(connection, "compact");
        if (afterRevision < compact)
        {
            throw new CompactedException(afterRevision, compact);
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var keyClause = prefix.Length == 0 ? string.Empty : "AND l.key >= $lo " + SqliteSchema.UpperBound("l.key", rangeEnd);
        command.CommandText = string.Format(CultureInfo.InvariantCulture, SqliteSchema.Events, keyClause);
        command.Parameters.AddWithValue("$after", afterRevision);
        command.Parameters.AddWithValue("$upto", upToRevision);
        command.Parameters.AddWithValue("$limit", limit);
        if (prefix.Length != 0)
        {
            command.Parameters.AddWithValue("$lo", prefix);
            command.Parameters.AddWithValue("$hi", rangeEnd);
        }

        var events = new List<WatchEvent>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var type = (WatchEventType)reader.GetInt32(2);
                var value = reader.GetFieldValue<byte[]>(4);
                ReadOnlyMemory<byte>? previous = null;
                if (type == WatchEventType.Deleted)
                {
                    previous = value;
                }
                else if (!reader.IsDBNull(5))
                {
                    previous = reader.GetFieldValue<byte[]>(5);
                }

                events.Add(new WatchEvent(type, reader.GetString(1), value, reader.GetInt64(0), reader.GetInt64(3), previous));
            }
        }

        transaction.Commit();
        return ValueTask.FromResult<IReadOnlyList<WatchEvent>>(events);
    }

    /// <summary>Rows in the log table (history kept), for tests of compaction.</summary>
    internal long CountLogRows()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM log";
        return (long)command.ExecuteScalar()!;
    }

    private async Task<WriteResult> SubmitAsync(WriteOp op, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var writer = Writer;
        using var registration = cancellationToken.Register(static (state, token) => ((WriteOp)state!).Cancel(token), op);
        if (!writer.TryEnqueue(op))
        {
            throw NotRunning();
        }

        return await op.Completion.Task;
    }

    private SqliteConnection OpenReader()
    {
        _ = Writer;
        var connection = new SqliteConnection(_readConnectionString);
        connection.Open();

        // Pages straight from the mapped file instead of a read() per page: a list of 10,000 pods touches ~5,000 pages.
        Execute(connection, MemoryMapPragma);
        return connection;
    }

    private static long ReadMeta(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = SqliteSchema.SelectMeta;
        command.Parameters.AddWithValue("$name", name);
        return (long)(command.ExecuteScalar() ?? throw new InvalidOperationException($"store metadata '{name}' is missing"));
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private Exception NotRunning() => _state == 2
        ? new ObjectDisposedException(nameof(SqliteStore))
        : new InvalidOperationException("the store has not been started (call StartAsync)");

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "sqlite store {Path} opened at revision {Revision} (compacted at {CompactRevision})")]
    private static partial void LogOpened(ILogger logger, string path, long revision, long compactRevision);
}
