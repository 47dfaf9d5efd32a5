using System.Threading.Channels;
using Berth.Store.Watching;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Berth.Store.Sqlite;

/// <summary>
/// The single writer of a <see cref="SqliteStore"/>: one thread that owns the write connection and
/// commits queued writes in batches (group commit).
/// </summary>
/// <remarks>
/// <code>
///  CreateAsync ─┐                 ┌──────────── writer thread ────────────┐
///  UpdateAsync ─┼─► queue ──────► │ take every queued op (≤ MaxBatchSize) │
///  DeleteAsync ─┤                 │ BEGIN IMMEDIATE                       │
///  CompactAsync ┘                 │   per op, in order: CAS check, write, │
///                                 │   next revision                       │
///                                 │ COMMIT  (WAL fsync: synchronous=FULL) │
///                                 │ publish events to the WatchHub        │
///                                 │ complete the callers' tasks           │
///                                 │ one purge chunk if compaction is owed │
///                                 └───────────────────────────────────────┘
/// </code>
/// Writers that arrive during a commit's fsync queue up and share the next one, so N concurrent
/// writers cost about one fsync per N writes. Each op is checked against the state left by the
/// ops before it in the same batch, so the outcome is the same as committing them one by one.
/// A semantic failure (exists, not found, conflict) writes nothing and fails only its op; an I/O
/// failure rolls the whole batch back and fails all of its ops. No task completes before COMMIT returns.
/// </remarks>
internal sealed partial class SqliteWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Channel<WriteOp> _queue = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WatchHub _hub;
    private readonly ILogger _logger;
    private readonly SqliteStoreOptions _options;
    private readonly Thread _thread;
    private readonly List<WriteOp> _purgeWaiters = [];
    private readonly SqliteCommand _selectCurrent;
    private readonly SqliteCommand _insertCurrent;
    private readonly SqliteCommand _updateCurrent;
    private readonly SqliteCommand _deleteCurrent;
    private readonly SqliteCommand _insertLog;
    private readonly SqliteCommand _setMeta;
    private readonly SqliteCommand _purge;
    private long _revision;
    private long _compactRevision;
    private long _purgedRevision;
    private long _commits;
    private volatile bool _stopping;
    private long _checkpointRequestedAt;
    private SafeFileHandle? _walIndex;

    private readonly SqliteCheckpointer _checkpointer;

    private readonly string _walIndexPath;

    public SqliteWriter(SqliteConnection connection, SqliteCheckpointer checkpointer, WatchHub hub, SqliteStoreOptions options, ILogger logger, long revision, long compactRevision, long purgedRevision)
    {
        _walIndexPath = Path.GetFullPath(options.Path) + "-shm";
        _connection = connection;
        _checkpointer = checkpointer;
        _hub = hub;
        _options = options;
        _logger = logger;
        _revision = revision;
        _compactRevision = compactRevision;
        _purgedRevision = purgedRevision;
        _selectCurrent = Prepare(SqliteSchema.SelectCurrent, "$key");
        _insertCurrent = Prepare(SqliteSchema.InsertCurrent, "$key", "$revision");
        _updateCurrent = Prepare(SqliteSchema.UpdateCurrent, "$key", "$revision");
        _deleteCurrent = Prepare(SqliteSchema.DeleteCurrent, "$key");
        _insertLog = Prepare(SqliteSchema.InsertLog, "$revision", "$key", "$type", "$create", "$prev", "$value");
        _setMeta = Prepare(SqliteSchema.SetMeta, "$name", "$value");
        _purge = Prepare(SqliteSchema.Purge, "$from", "$to", "$target");
        _thread = new Thread(Run) { IsBackground = true, Name = "berth-sqlite-writer" };
    }

    /// <summary>The last committed revision.</summary>
    public long Revision => Volatile.Read(ref _revision);

    /// <summary>Reads and watches below this revision are refused.</summary>
    public long CompactRevision => Volatile.Read(ref _compactRevision);

    /// <summary>Transactions committed with at least one write: the number of fsyncs paid for writes.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public void Start() => _thread.Start();

    public bool TryEnqueue(WriteOp op) => _queue.Writer.TryWrite(op);

    /// <summary>Stops taking writes, commits what is queued, and waits for the thread.</summary>
    public void Dispose()
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        foreach (var command in new[] { _selectCurrent, _insertCurrent, _updateCurrent, _deleteCurrent, _insertLog, _setMeta, _purge })
        {
            command.Dispose();
        }

        _walIndex?.Dispose();
    }

    private void Run()
    {
        var batch = new List<WriteOp>(_options.MaxBatchSize);
        while (true)
        {
            try
            {
                while (batch.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var op))
                {
                    batch.Add(op);
                }

                var wrote = batch.Count > 0;
                if (wrote)
                {
                    ExecuteBatch(batch);
                    batch.Clear();
                }

                if (_purgedRevision < _compactRevision && !_stopping)
                {
                    PurgeChunk();
                    continue;
                }

                if (!wrote && !_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    break;
                }
            }
            catch (Exception e)
            {
                // ExecuteBatch and PurgeChunk report their own failures; this is a bug guard so the thread never dies silently.
                LogWriterFault(_logger, e);
                foreach (var op in batch)
                {
                    op.Completion.TrySetException(e);
                }

                batch.Clear();
            }
        }

        // Compaction is committed (reads below it are refused); the purge resumes at the next start.
        foreach (var waiter in _purgeWaiters)
        {
            waiter.Report();
        }

        _purgeWaiters.Clear();
    }

    private void ExecuteBatch(List<WriteOp> batch)
    {
        var claimed = new List<WriteOp>(batch.Count);
        foreach (var op in batch)
        {
            if (op.TryClaim())
            {
                claimed.Add(op);
            }
        }

        if (claimed.Count == 0)
        {
            return;
        }

        var revision = _revision;
        var compact = _compactRevision;
        var events = new List<WatchEvent>(claimed.Count);
        try
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            foreach (var command in new[] { _selectCurrent, _insertCurrent, _updateCurrent, _deleteCurrent, _insertLog, _setMeta })
            {
                command.Transaction = transaction;
            }

            foreach (var op in claimed)
            {
                Apply(op, ref revision, ref compact, events);
            }

            if (revision != _revision)
            {
                SetMeta("revision", revision);
            }

            if (compact != _compactRevision)
            {
                SetMeta("compact", compact);
            }

            transaction.Commit();
        }
        catch (Exception e)
        {
            LogBatchFailed(_logger, e, claimed.Count);
            foreach (var op in claimed)
            {
                op.Completion.TrySetException(e);
            }

            return;
        }

        if (revision != _revision)
        {
            Interlocked.Increment(ref _commits);
            CheckpointIfDue();
        }

        Volatile.Write(ref _revision, revision);
        Volatile.Write(ref _compactRevision, compact);
        _hub.Publish([.. events], revision);
        foreach (var op in claimed)
        {
            if (op.Kind == WriteKind.Compact && op.Error is null && _purgedRevision < compact)
            {
                _purgeWaiters.Add(op);
            }
            else
            {
                op.Report();
            }
        }
    }

    private void Apply(WriteOp op, ref long revision, ref long compact, List<WatchEvent> events)
    {
        switch (op.Kind)
        {
            case WriteKind.Create:
                _insertCurrent.Parameters["$key"].Value = op.Key;
                _insertCurrent.Parameters["$revision"].Value = revision + 1;
                if (_insertCurrent.ExecuteNonQuery() == 0)
                {
                    op.Error = new KeyExistsException(op.Key);
                    return;
                }

                revision++;
                InsertLog(revision, op.Key, WatchEventType.Created, revision, 0, op.Value);
                events.Add(new WatchEvent(WatchEventType.Created, op.Key, op.Value, revision, revision, null));
                op.Result = new WriteResult(revision, null);
                return;

            case WriteKind.Update:
            {
                if (ReadCurrent(op, out _) is not { } existing)
                {
                    return;
                }

                revision++;
                InsertLog(revision, op.Key, WatchEventType.Updated, existing.CreateRevision, existing.ModRevision, op.Value);
                _updateCurrent.Parameters["$key"].Value = op.Key;
                _updateCurrent.Parameters["$revision"].Value = revision;
                _updateCurrent.ExecuteNonQuery();
                events.Add(new WatchEvent(WatchEventType.Updated, op.Key, op.Value, revision, existing.CreateRevision, existing.Value));
                op.Result = new WriteResult(revision, null);
                return;
            }

            case WriteKind.Delete:
            {
                if (ReadCurrent(op, out var last) is not { } existing)
                {
                    return;
                }

                revision++;
                InsertLog(revision, op.Key, WatchEventType.Deleted, existing.CreateRevision, existing.ModRevision, last);
                _deleteCurrent.Parameters["$key"].Value = op.Key;
                _deleteCurrent.ExecuteNonQuery();
                events.Add(new WatchEvent(WatchEventType.Deleted, op.Key, existing.Value, revision, existing.CreateRevision, existing.Value));
                op.Result = new WriteResult(revision, existing);
                return;
            }

            case WriteKind.Compact:
                if (op.Revision > revision)
                {
                    op.Error = new FutureRevisionException(op.Revision, revision);
                }
                else
                {
                    compact = Math.Max(compact, op.Revision);
                    op.Result = new WriteResult(compact, null);
                }

                return;

            default:
                throw new InvalidOperationException($"unknown write kind {op.Kind}");
        }
    }

    /// <summary>The live entry an update or delete applies to, or null with <see cref="WriteOp.Error"/> set.</summary>
    private StoreEntry? ReadCurrent(WriteOp op, out byte[] value)
    {
        _selectCurrent.Parameters["$key"].Value = op.Key;
        using var reader = _selectCurrent.ExecuteReader();
        if (!reader.Read())
        {
            op.Error = new KeyNotFoundStoreException(op.Key);
            value = [];
            return null;
        }

        value = reader.GetFieldValue<byte[]>(2);
        var existing = new StoreEntry(op.Key, value, reader.GetInt64(0), reader.GetInt64(1));
        var expectAny = op.Kind == WriteKind.Delete && op.Revision == 0;
        if (!expectAny && existing.ModRevision != op.Revision)
        {
            op.Error = new RevisionConflictException(op.Key, op.Revision, existing);
            return null;
        }

        return existing;
    }

    /// <summary>
    /// Keeps the WAL short. Each time it grows by another <see cref="SqliteStoreOptions.CheckpointPages"/>
    /// frames the background checkpointer is woken; past four times that, the writer itself runs a
    /// checkpoint between batches (and at eight times, one that waits for the background one to let go).
    /// By then the background has copied almost everything, so it is short, and because nothing is
    /// appended while the writer checkpoints, it completes and the next transaction starts the WAL over. Without it a writer that never pauses would keep the
    /// background checkpoints one step behind and the WAL would grow without end.
    /// </summary>
    private void CheckpointIfDue()
    {
        var frames = WalFrames();
        if (frames < _checkpointRequestedAt)
        {
            _checkpointRequestedAt = 0; // the WAL started over
        }

        if (frames - _checkpointRequestedAt >= _options.CheckpointPages)
        {
            _checkpointRequestedAt = frames;
            _checkpointer.Request();
        }

        if (frames >= 8L * _options.CheckpointPages)
        {
            // The background one keeps holding the checkpoint lock (a starved thread): wait for it (busy_timeout) and finish.
            TryCheckpoint("FULL");
        }
        else if (frames >= 4L * _options.CheckpointPages)
        {
            TryCheckpoint("PASSIVE");
        }
    }

    /// <summary>
    /// The number of frames in the WAL: <c>mxFrame</c> of the wal-index header, a native-order u32 at
    /// byte 16 of the <c>-shm</c> file (https://www.sqlite.org/walformat.html#the_wal_index_header).
    /// Processes running different SQLite versions share this file, so its layout is fixed. 0 when it cannot be read.
    /// </summary>
    private long WalFrames()
    {
        try
        {
            _walIndex ??= File.OpenHandle(_walIndexPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> header = stackalloc byte[4];
            return RandomAccess.Read(_walIndex, header, 16) == 4 ? BitConverter.ToUInt32(header) : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>A checkpoint on the write connection; true when it copied every frame (false when the background one held the lock).</summary>
    private bool TryCheckpoint(string mode)
    {
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = $"PRAGMA wal_checkpoint({mode})";
            using var reader = command.ExecuteReader();
            return reader.Read() && reader.GetInt64(0) == 0 && reader.GetInt64(1) == reader.GetInt64(2);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 5 /* SQLITE_BUSY */)
        {
            return false;
        }
    }

    private void InsertLog(long revision, string key, WatchEventType type, long createRevision, long previousRevision, byte[] value)
    {
        var p = _insertLog.Parameters;
        p["$revision"].Value = revision;
        p["$key"].Value = key;
        p["$type"].Value = (int)type;
        p["$create"].Value = createRevision;
        p["$prev"].Value = previousRevision;
        p["$value"].Value = value;
        _insertLog.ExecuteNonQuery();
    }

    private void SetMeta(string name, long value)
    {
        _setMeta.Parameters["$name"].Value = name;
        _setMeta.Parameters["$value"].Value = value;
        _setMeta.ExecuteNonQuery();
    }

    private void PurgeChunk()
    {
        var target = _compactRevision;
        var from = _purgedRevision;
        var to = Math.Min(target, from + _options.PurgeChunkRevisions);
        int deleted;
        try
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            _purge.Transaction = transaction;
            _setMeta.Transaction = transaction;
            _purge.Parameters["$from"].Value = from;
            _purge.Parameters["$to"].Value = to;
            _purge.Parameters["$target"].Value = target;
            deleted = _purge.ExecuteNonQuery();
            SetMeta("purged", to);
            transaction.Commit();
        }
        catch (Exception e)
        {
            // Leave the purge for the next start rather than spin on a failing disk.
            LogPurgeFailed(_logger, e, from, to);
            _purgedRevision = target;
            foreach (var waiter in _purgeWaiters)
            {
                waiter.Completion.TrySetException(e);
            }

            _purgeWaiters.Clear();
            return;
        }

        _purgedRevision = to;
        LogPurged(_logger, from, to, deleted);
        if (to == target)
        {
            foreach (var waiter in _purgeWaiters)
            {
                waiter.Report();
            }

            _purgeWaiters.Clear();
        }
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "sqlite store: a batch of {Count} writes failed and was rolled back")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "sqlite store: purging compacted history in ({From}, {To}] failed; it resumes at the next start")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception, long from, long to);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "sqlite store: purged history in ({From}, {To}]: {Rows} rows")]
    private static partial void LogPurged(ILogger logger, long from, long to, int rows);

    [LoggerMessage(EventId = 5, Level = LogLevel.Critical, Message = "sqlite store: unexpected fault in the writer loop")]
    private static partial void LogWriterFault(ILogger logger, Exception exception);
}
