namespace Berth.Store;

/// <summary>
/// A revisioned key-value store with watch: the only persistence contract of Berth's API server.
/// It follows the shape of etcd's MVCC API as the Kubernetes API server uses it (and as kine maps it
/// onto SQL): every write gets the next global <em>revision</em>, which becomes the object's
/// <c>metadata.resourceVersion</c>; reads may ask for the state as of an older revision until it
/// has been compacted.
/// </summary>
/// <remarks>
/// <para>Durability: a write's task completes only after the write is on stable storage
/// (fsync for Sqlite, a quorum commit for Etcd). Implementations may batch concurrent writes into
/// one commit (group commit) but never acknowledge before it.</para>
/// <para>Keys are opaque strings; the API server uses <c>/registry/{group}/{resource}/{namespace}/{name}</c>.
/// Values are opaque bytes (UTF-8 JSON in practice).</para>
/// <para>Errors: <see cref="KeyExistsException"/> on create of an existing key,
/// <see cref="KeyNotFoundStoreException"/> on update/delete of a missing key,
/// <see cref="RevisionConflictException"/> when a compare-and-swap finds another revision,
/// <see cref="CompactedException"/> when a read or watch asks for a compacted revision.</para>
/// <para>Lifecycle: constructed → <see cref="StartAsync"/> (opens files / connects) → used
/// concurrently from any thread → <see cref="IAsyncDisposable.DisposeAsync"/> (flushes, ends watches).</para>
/// </remarks>
public interface IStore : IAsyncDisposable
{
    /// <summary>Opens the backend (creates the schema, connects). Must be called once before use.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>The revision of the latest acknowledged write (0 for an empty store).</summary>
    Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken);

    /// <summary>The current value of <paramref name="key"/>, or null when it does not exist.</summary>
    Task<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// All live entries whose key starts with <paramref name="prefix"/>, ordered by key, as of
    /// <paramref name="revision"/> (0 = latest). The result carries the revision it reflects.
    /// Throws <see cref="CompactedException"/> if <paramref name="revision"/> is older than the
    /// compaction point (the state at the compaction point itself is kept, as in etcd), and
    /// <see cref="FutureRevisionException"/> if it is newer than the store.
    /// </summary>
    Task<StoreList> ListAsync(string prefix, long revision, CancellationToken cancellationToken);

    /// <summary>Counts live entries under <paramref name="prefix"/> at the latest revision.</summary>
    Task<long> CountAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Creates <paramref name="key"/>; fails with <see cref="KeyExistsException"/> if it exists. Returns the new revision.</summary>
    Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the value of <paramref name="key"/> if its current modification revision equals
    /// <paramref name="expectedRevision"/>; otherwise throws <see cref="RevisionConflictException"/>
    /// carrying the current entry. Returns the new revision.
    /// </summary>
    Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes <paramref name="key"/> if its modification revision equals <paramref name="expectedRevision"/>
    /// (0 = whatever it is). Returns the deleted entry (its last value) and the revision of the deletion.
    /// </summary>
    Task<(StoreEntry Deleted, long Revision)> DeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken);

    /// <summary>
    /// Streams every change under <paramref name="prefix"/> with a revision strictly greater than
    /// <paramref name="afterRevision"/>, in revision order, without gaps, until cancelled
    /// (then <see cref="OperationCanceledException"/>) or until the store is disposed (then it ends).
    /// Throws <see cref="CompactedException"/> (on the first MoveNextAsync) when
    /// <paramref name="afterRevision"/> is older than the compaction point.
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets history at or below <paramref name="revision"/> (live values stay): afterwards lists below
    /// it and watches from before it throw <see cref="CompactedException"/>. Returns the compaction point.
    /// Compacting at or below the current point changes nothing; above the store's revision throws
    /// <see cref="FutureRevisionException"/>. <see cref="StoreCompactor"/> calls it periodically.
    /// </summary>
    Task<long> CompactAsync(long revision, CancellationToken cancellationToken);
}
