namespace Berth.Store;

/// <summary>The kind of change a <see cref="WatchEvent"/> reports.</summary>
public enum WatchEventType
{
    Created,
    Updated,
    Deleted,
}

/// <summary>
/// One change seen by a watch. For <see cref="WatchEventType.Deleted"/>, <see cref="Value"/> is the
/// last value the key had and <see cref="Revision"/> is the revision of the deletion.
/// <see cref="PreviousValue"/> is the value before an update or delete when the backend has it.
/// </summary>
public sealed record WatchEvent(
    WatchEventType Type,
    string Key,
    ReadOnlyMemory<byte> Value,
    long Revision,
    long CreateRevision,
    ReadOnlyMemory<byte>? PreviousValue)
{
    /// <summary>
    /// A decoded form of <see cref="Value"/> that the layer above keeps with the event. The embedded stores hand the
    /// same event to every watch it matches, so the API server parses a change once for all its in-process watchers
    /// (informers, caches, the agent) instead of once per watcher. The store never reads it.
    /// </summary>
    public object? Decoded { get; set; }

    /// <summary>Events are equal by what they report; <see cref="Decoded"/> is a cache and does not count.</summary>
    public bool Equals(WatchEvent? other) =>
        other is not null && Type == other.Type && Key == other.Key && Value.Equals(other.Value) && Revision == other.Revision &&
        CreateRevision == other.CreateRevision && Nullable.Equals(PreviousValue, other.PreviousValue);

    public override int GetHashCode() => HashCode.Combine(Type, Key, Value, Revision, CreateRevision, PreviousValue);
}
