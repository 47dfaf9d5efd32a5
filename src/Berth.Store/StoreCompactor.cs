using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Store;

/// <summary>
/// Keeps a store's history short, the way kube-apiserver's compactor does for etcd
/// (k8s.io/apiserver/pkg/storage/etcd3/compact.go): every <see cref="Interval"/> it compacts to the
/// revision that was current one interval earlier, so a watcher always has at least one interval
/// to resume from where it left off before it gets 410 Expired and must re-list.
/// </summary>
/// <remarks>
/// Without it nothing is ever forgotten: every write (each pod status update) stays in the log.
/// Run one per store (<see cref="RunAsync"/> until cancelled). With several servers on one etcd,
/// each compacts; compacting at an older revision than etcd's point is a no-op.
/// </remarks>
public sealed partial class StoreCompactor
{
    private readonly IStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public StoreCompactor(IStore store, TimeProvider? timeProvider = null, ILogger<StoreCompactor>? logger = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Interval = interval ?? TimeSpan.FromMinutes(5);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Interval, TimeSpan.Zero);
    }

    public TimeSpan Interval { get; }

    /// <summary>Compacts every <see cref="Interval"/> until <paramref name="cancellationToken"/> fires; failures are logged and retried at the next tick.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var previous = 0L;
        while (true)
        {
            try
            {
                await Task.Delay(Interval, _time, cancellationToken);
                if (previous > 0)
                {
                    var point = await _store.CompactAsync(previous, cancellationToken);
                    LogCompacted(_logger, point);
                }

                previous = await _store.GetCurrentRevisionAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is StoreException or IOException or InvalidOperationException or Grpc.Core.RpcException)
            {
                LogCompactionFailed(_logger, e, previous);
            }
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Debug, Message = "store compacted at revision {Revision}")]
    private static partial void LogCompacted(ILogger logger, long revision);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "store compaction at revision {Revision} failed; retrying at the next interval")]
    private static partial void LogCompactionFailed(ILogger logger, Exception exception, long revision);
}
