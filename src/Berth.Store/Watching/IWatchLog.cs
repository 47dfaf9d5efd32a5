namespace Berth.Store.Watching;

/// <summary>The committed history a <see cref="WatchLoop"/> catches up from (the SQLite log table, MemoryStore's row list).</summary>
internal interface IWatchLog
{
    /// <summary>Throws <see cref="CompactedException"/> when events after <paramref name="afterRevision"/> are no longer all kept.</summary>
    void EnsureNotCompacted(long afterRevision);

    /// <summary>
    /// Up to <paramref name="limit"/> committed events under <paramref name="prefix"/> with
    /// <paramref name="afterRevision"/> &lt; revision ≤ <paramref name="upToRevision"/>, in revision order.
    /// Throws <see cref="CompactedException"/> when <paramref name="afterRevision"/> has been compacted.
    /// Returns nothing once the store is disposed.
    /// </summary>
    ValueTask<IReadOnlyList<WatchEvent>> ReadAsync(string prefix, long afterRevision, long upToRevision, int limit, CancellationToken cancellationToken);
}
