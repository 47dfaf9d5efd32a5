namespace Berth.Store.Sqlite;

/// <summary>
/// The tables of a <see cref="SqliteStore"/> and the statements over them.
/// </summary>
/// <remarks>
/// <para><c>log</c> is the revisioned history, one row per write, like kine's single table
/// (https://github.com/k3s-io/kine/blob/master/docs/flow.md): <c>revision</c> is the global revision
/// (the rowid, so appends go to the end of the b-tree), <c>type</c> the <see cref="WatchEventType"/>,
/// <c>prev_revision</c> the modification revision this row supersedes (0 for a create), and
/// <c>value</c> the new value, or for a delete the last value (a tombstone that still says what was
/// deleted, as etcd's delete event with prev_kv does).</para>
/// <para><c>current</c> indexes the live keys: key → the log row that holds its value. It makes a
/// get, a count, and a list at the latest revision a range scan of a small b-tree plus rowid lookups,
/// instead of kine's "max(id) group by name" over the whole history.</para>
/// <para><c>meta</c> holds <c>revision</c> (the last committed revision; the log's maximum can
/// go down when compaction purges a tombstone), <c>compact</c> (reads and watches below it are
/// refused) and <c>purged</c> (how far compaction has deleted superseded rows).</para>
/// </remarks>
internal static class SqliteSchema
{
    public const int Version = 1;

    public static readonly string[] Create =
    [
        """
        CREATE TABLE IF NOT EXISTS log (
            revision        INTEGER PRIMARY KEY,
            key             TEXT    NOT NULL,
            type            INTEGER NOT NULL,
            create_revision INTEGER NOT NULL,
            prev_revision   INTEGER NOT NULL,
            value           BLOB    NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision)",
        """
        CREATE TABLE IF NOT EXISTS current (
            key             TEXT    PRIMARY KEY,
            create_revision INTEGER NOT NULL,
            mod_revision    INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        $"INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', {Version}), ('revision', 0), ('compact', 0), ('purged', 0)",
    ];

    public const string SelectMeta = "SELECT value FROM meta WHERE name = $name";

    public const string SetMeta = "UPDATE meta SET value = $value WHERE name = $name";

    public const string SelectCurrent =
        "SELECT c.create_revision, c.mod_revision, l.value FROM current c JOIN log l ON l.revision = c.mod_revision WHERE c.key = $key";

    public const string InsertCurrent =
        "INSERT INTO current (key, create_revision, mod_revision) VALUES ($key, $revision, $revision) ON CONFLICT (key) DO NOTHING";

    public const string UpdateCurrent = "UPDATE current SET mod_revision = $revision WHERE key = $key";

    public const string DeleteCurrent = "DELETE FROM current WHERE key = $key";

    public const string InsertLog =
        "INSERT INTO log (revision, key, type, create_revision, prev_revision, value) VALUES ($revision, $key, $type, $create, $prev, $value)";

    /// <summary>Live entries under a prefix, in key order. {0} is the upper-bound clause.</summary>
    public const string ListCurrent =
        "SELECT c.key, c.create_revision, c.mod_revision, l.value FROM current c JOIN log l ON l.revision = c.mod_revision " +
        "WHERE c.key >= $lo {0} ORDER BY c.key";

    /// <summary>Entries under a prefix as of $rev: each key's newest row at or below $rev, unless it is a tombstone.</summary>
    public const string ListAtRevision =
        "SELECT l.key, l.create_revision, l.revision, l.value FROM log l " +
        "WHERE l.key >= $lo {0} AND l.revision <= $rev AND l.type <> 2 " +
        "AND l.revision = (SELECT max(m.revision) FROM log m WHERE m.key = l.key AND m.revision <= $rev) ORDER BY l.key";

    public const string CountCurrent = "SELECT count(*) FROM current WHERE key >= $lo {0}";

    /// <summary>Events after $after up to $upto, in revision order, with the superseded value when history still has it.</summary>
    public const string Events =
        "SELECT l.revision, l.key, l.type, l.create_revision, l.value, p.value FROM log l LEFT JOIN log p ON p.revision = l.prev_revision " +
        "WHERE l.revision > $after AND l.revision <= $upto {0} ORDER BY l.revision LIMIT $limit";

    /// <summary>
    /// Compaction at $target, one revision range at a time: drop rows in ($from, $to] that a newer row at or
    /// below $target supersedes, and tombstones (nothing older of their key remains, so the key is simply absent).
    /// </summary>
    public const string Purge =
        "DELETE FROM log WHERE revision > $from AND revision <= $to AND (type = 2 OR EXISTS " +
        "(SELECT 1 FROM log n WHERE n.key = log.key AND n.revision > log.revision AND n.revision <= $target))";

    /// <summary>The upper-bound clause for a column, or nothing when the prefix has no range end.</summary>
    public static string UpperBound(string column, string? rangeEnd) => rangeEnd is null ? string.Empty : $"AND {column} < $hi";
}
