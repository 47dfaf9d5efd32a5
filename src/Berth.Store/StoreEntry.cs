namespace Berth.Store;

/// <summary>One live key: its value and the revisions at which it was created and last modified.</summary>
public sealed record StoreEntry(string Key, ReadOnlyMemory<byte> Value, long CreateRevision, long ModRevision);
