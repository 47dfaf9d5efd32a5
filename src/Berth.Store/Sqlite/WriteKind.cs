namespace Berth.Store.Sqlite;

internal enum WriteKind
{
    Create,
    Update,
    Delete,
    Compact,
}
