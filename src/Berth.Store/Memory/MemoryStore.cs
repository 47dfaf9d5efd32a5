using Berth.Store.Watching;

namespace Berth.Store.Memory;

/// <summary>
/// The reference implementation of <see cref="IStore"/>: everything in memory under one lock,
/// nothing durable. Used by unit tests of other parts, and as the semantics the conformance suite
/// holds the durable backends to.
/// </summary>
/// <remarks>
/// History is a list of rows, one per write, in revision order (the shape of the SQLite log
/// table). Compaction at R drops every row at or below R that a later row at or below R supersedes,
/// and tombstones at or below R, exactly as <see cref="Sqlite.SqliteStore"/> does.
/// </remarks>
public sealed class MemoryStore : IStore, IWatchLog
{
    private readonly Lock _lock = new();
    private readonly List<Row> _rows = [];
    private readonly Dictionary<string, StoreEntry> _current = new(StringComparer.Ordinal);
    private readonly WatchHub _hub;
    private long _revision;
    private long _compactRevision;
    private bool _disposed;

    /// <param name="watchQueueCapacity">Commits a watcher may fall behind before it is switched to catching up from history.</param>
    public MemoryStore(int watchQueueCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(watchQueueCapacity, 1);
        _hub = new WatchHub(0, watchQueueCapacity);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_revision);
        }
    }

    public Task<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            ThrowIfDisposed();
            return Task.FromResult(_current.GetValueOrDefault(key));
        }
    }

    public Task<StoreList> ListAsync(string prefix, long revision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        _ = KeyPrefix.RangeEnd(prefix);
        lock (_lock)
        {
            ThrowIfDisposed();
            if (revision == 0 || revision == _revision)
            {
                var live = _current.Values.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
                    .OrderBy(e => e.Key, StringComparer.Ordinal)
                    .ToList();
                return Task.FromResult(new StoreList(live, _revision));
            }

            if (revision > _revision)
            {
                throw new FutureRevisionException(revision, _revision);
            }

            if (revision < _compactRevision)
            {
                throw new CompactedException(revision, _compactRevision);
            }

            var latest = new Dictionary<string, Row>(StringComparer.Ordinal);
            foreach (var row in _rows)
            {
                if (row.Revision > revision)
                {
                    break;
                }

                if (row.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    latest[row.Key] = row;
                }
            }

            var entries = latest.Values.Where(r => r.Type != WatchEventType.Deleted)
                .Select(r => new StoreEntry(r.Key, r.Value, r.CreateRevision, r.Revision))
                .OrderBy(e => e.Key, StringComparer.Ordinal)
                .ToList();
            return Task.FromResult(new StoreList(entries, revision));
        }
    }

    public Task<long> CountAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        lock (_lock)
        {
            ThrowIfDisposed();
            return Task.FromResult((long)_current.Keys.Count(k => k.StartsWith(prefix, StringComparison.Ordinal)));
        }
    }

    public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_current.ContainsKey(key))
            {
                throw new KeyExistsException(key);
            }

            var revision = ++_revision;
            var bytes = value.ToArray();
            _current[key] = new StoreEntry(key, bytes, revision, revision);
            Append(new Row(revision, key, WatchEventType.Created, bytes, revision, null));
            return Task.FromResult(revision);
        }
    }

    public Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ThrowIfDisposed();
            var existing = _current.GetValueOrDefault(key) ?? throw new KeyNotFoundStoreException(key);
            if (existing.ModRevision != expectedRevision)
            {
                throw new RevisionConflictException(key, expectedRevision, existing);
            }

            var revision = ++_revision;
            var bytes = value.ToArray();
            _current[key] = new StoreEntry(key, bytes, existing.CreateRevision, revision);
            Append(new Row(revision, key, WatchEventType.Updated, bytes, existing.CreateRevision, existing.Value));
            return Task.FromResult(revision);
        }
    }

    public Task<(StoreEntry Deleted, long Revision)> DeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ThrowIfDisposed();
            var existing = _current.GetValueOrDefault(key) ?? throw new KeyNotFoundStoreException(key);
            if (expectedRevision != 0 && existing.ModRevision != expectedRevision)
            {
                throw new RevisionConflictException(key, expectedRevision, existing);
            }

            var revision = ++_revision;
            _current.Remove(key);
            Append(new Row(revision, key, WatchEventType.Deleted, existing.Value, existing.CreateRevision, existing.Value));
            return Task.FromResult((existing, revision));
        }
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        _ = KeyPrefix.RangeEnd(prefix);
        return WatchLoop.RunAsync(_hub, this, prefix, afterRevision, pageSize: 500, cancellationToken);
    }

    public Task<long> CompactAsync(long revision, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            if (revision > _revision)
            {
                throw new FutureRevisionException(revision, _revision);
            }

            if (revision <= _compactRevision)
            {
                return Task.FromResult(_compactRevision);
            }

            _compactRevision = revision;
            var latestAtOrBelow = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var row in _rows)
            {
                if (row.Revision > revision)
                {
                    break;
                }

                latestAtOrBelow[row.Key] = row.Revision;
            }

            _rows.RemoveAll(r => r.Revision <= revision && (r.Type == WatchEventType.Deleted || latestAtOrBelow[r.Key] != r.Revision));
            return Task.FromResult(revision);
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        _hub.Close();
        return ValueTask.CompletedTask;
    }

    void IWatchLog.EnsureNotCompacted(long afterRevision)
    {
        lock (_lock)
        {
            if (afterRevision < _compactRevision)
            {
                throw new CompactedException(afterRevision, _compactRevision);
            }
        }
    }

    ValueTask<IReadOnlyList<WatchEvent>> IWatchLog.ReadAsync(string prefix, long afterRevision, long upToRevision, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return ValueTask.FromResult<IReadOnlyList<WatchEvent>>([]);
            }

            if (afterRevision < _compactRevision)
            {
                throw new CompactedException(afterRevision, _compactRevision);
            }

            var events = new List<WatchEvent>();
            var start = FirstRowAfter(afterRevision);
            for (var i = start; i < _rows.Count && events.Count < limit; i++)
            {
                var row = _rows[i];
                if (row.Revision > upToRevision)
                {
                    break;
                }

                if (row.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    events.Add(row.ToEvent());
                }
            }

            return ValueTask.FromResult<IReadOnlyList<WatchEvent>>(events);
        }
    }

    /// <summary>Appends a committed row and publishes it; called under <see cref="_lock"/> so events reach the hub in revision order.</summary>
    private void Append(Row row)
    {
        _rows.Add(row);
        _hub.Publish([row.ToEvent()], row.Revision);
    }

    private int FirstRowAfter(long revision)
    {
        int lo = 0, hi = _rows.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_rows[mid].Revision <= revision)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private sealed record Row(long Revision, string Key, WatchEventType Type, ReadOnlyMemory<byte> Value, long CreateRevision, ReadOnlyMemory<byte>? PreviousValue)
    {
        public WatchEvent ToEvent() => new(Type, Key, Value, Revision, CreateRevision, PreviousValue);
    }
}
