using Microsoft.Extensions.Logging;

namespace Berth.Network.Policy;

internal static partial class NetworkPolicyLog
{
    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "network policy synced: {Pods} local pods, {Isolated} isolated, {ElapsedMs} ms")]
    public static partial void Synced(ILogger logger, int pods, int isolated, long elapsedMs);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "network policy: table ip {Table} removed")]
    public static partial void CleanedUp(ILogger logger, string table);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "network policy: sync failed; retrying")]
    public static partial void SyncFailed(ILogger logger, Exception exception);
}
