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
    ReadOnlyMemory<byte>? PreviousValue);
