namespace Berth.Store;

/// <summary>The entries of a list and the store revision that the list reflects.</summary>
public sealed record StoreList(IReadOnlyList<StoreEntry> Entries, long Revision);
