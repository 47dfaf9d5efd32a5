namespace Berth.Store.Sqlite;

/// <summary>What a committed write returns: its revision, and for a delete the entry it removed.</summary>
internal readonly record struct WriteResult(long Revision, StoreEntry? Deleted);
