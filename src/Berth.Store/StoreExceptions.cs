namespace Berth.Store;

/// <summary>Base of the store's expected failures; anything else is a backend fault.</summary>
public abstract class StoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Create found the key already present.</summary>
public sealed class KeyExistsException(string key) : StoreException($"key {key} already exists")
{
    public string Key { get; } = key;
}

/// <summary>Update or delete found no such key.</summary>
public sealed class KeyNotFoundStoreException(string key) : StoreException($"key {key} not found")
{
    public string Key { get; } = key;
}

/// <summary>A compare-and-swap found a different modification revision; <see cref="Current"/> is what is there now.</summary>
public sealed class RevisionConflictException(string key, long expected, StoreEntry current)
    : StoreException($"key {key} is at revision {current.ModRevision}, not {expected}")
{
    public string Key { get; } = key;
    public long Expected { get; } = expected;
    public StoreEntry Current { get; } = current;
}

/// <summary>The requested revision has been compacted away. The API answers 410 Gone, reason Expired.</summary>
public sealed class CompactedException(long requested, long compacted)
    : StoreException($"revision {requested} has been compacted; the oldest available is {compacted + 1}")
{
    public long Requested { get; } = requested;
    public long CompactRevision { get; } = compacted;
}

/// <summary>The requested revision is newer than anything the store has written.</summary>
public sealed class FutureRevisionException(long requested, long current)
    : StoreException($"revision {requested} is newer than the store's current revision {current}")
{
    public long Requested { get; } = requested;
    public long Current { get; } = current;
}
