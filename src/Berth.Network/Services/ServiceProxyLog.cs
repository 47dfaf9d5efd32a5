using Microsoft.Extensions.Logging;

namespace Berth.Network.Services;

internal static partial class ServiceProxyLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "service proxy synced: {Services} services, {Chains} chains, {ElapsedMs} ms")]
    public static partial void Synced(ILogger logger, int services, int chains, long elapsedMs);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "service proxy: table ip {Table} removed")]
    public static partial void CleanedUp(ILogger logger, string table);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "service proxy: cannot clear stale UDP flows: {Reason}")]
    public static partial void NoConntrack(ILogger logger, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "service proxy: sync failed; retrying")]
    public static partial void SyncFailed(ILogger logger, Exception exception);
}
