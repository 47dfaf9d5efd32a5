using Microsoft.Extensions.Logging;

namespace Berth.Agent.Pods;

internal static partial class PodWorkerLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "pod {Namespace}/{Name}: sync failed: {Error}")]
    public static partial void SyncFailed(ILogger logger, string @namespace, string name, string error, Exception exception);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "pod {Namespace}/{Name}: status not written: {Error}")]
    public static partial void StatusFailed(ILogger logger, string @namespace, string name, string error);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "pod {Namespace}/{Name}: adopted {Count} container(s) left by an earlier agent")]
    public static partial void Adopted(ILogger logger, string @namespace, string name, int count);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "removed {What} {Id}: its pod no longer exists")]
    public static partial void OrphanRemoved(ILogger logger, string what, string id);
}
