using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Berth.Store.Sqlite;

/// <summary>
/// Copies the WAL back into the database file on its own thread and connection, so that the
/// writer's commits never pay for a checkpoint (SQLite's automatic checkpoint runs inside the commit
/// that crosses the threshold: a multi-megabyte write plus an fsync of the database file on the
/// request path). PASSIVE checkpoints never block the writer or readers; once a checkpoint has
/// copied every frame, the writer's next transaction starts the WAL over
/// (https://www.sqlite.org/wal.html#checkpointing).
/// </summary>
internal sealed partial class SqliteCheckpointer : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly ILogger _logger;
    private readonly AutoResetEvent _signal = new(false);
    private readonly Thread _thread;
    private volatile bool _stopping;

    public SqliteCheckpointer(string connectionString, ILogger logger)
    {
        _logger = logger;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "PRAGMA synchronous=FULL";
            command.ExecuteNonQuery();
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "berth-sqlite-checkpoint" };
        _thread.Start();
    }

    /// <summary>Asks for a checkpoint soon; requests made while one runs are folded into the next.</summary>
    public void Request() => _signal.Set();

    public void Dispose()
    {
        _stopping = true;
        _signal.Set();
        _thread.Join();
        _connection.Dispose();
        _signal.Dispose();
    }

    private void Run()
    {
        while (true)
        {
            _signal.WaitOne();
            if (_stopping)
            {
                return;
            }

            try
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                using var reader = command.ExecuteReader();
                if (reader.Read())
                {
                    LogCheckpoint(_logger, reader.GetInt64(1), reader.GetInt64(2));
                }
            }
            catch (SqliteException e)
            {
                LogCheckpointFailed(_logger, e);
            }
        }
    }

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "sqlite store: checkpoint copied {Checkpointed} of {Frames} WAL frames")]
    private static partial void LogCheckpoint(ILogger logger, long frames, long checkpointed);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "sqlite store: checkpoint failed; the WAL keeps growing until one succeeds")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
