using Microsoft.Extensions.Logging;

namespace Berth.Network.Pods;

internal static partial class PodNetworkLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "pod {PodKey} ({PodUid}): network ready, {PodIP} in {Netns}, {ElapsedMs} ms")]
    public static partial void SetUp(ILogger logger, string podKey, string podUid, string podIP, string netns, long elapsedMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "pod {PodKey} ({PodUid}): adopted existing network {Netns}")]
    public static partial void Adopted(ILogger logger, string podKey, string podUid, string netns);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "pod {PodKey} ({PodUid}): rolling back a network left in phase {Phase} (netns present: {NetnsPresent})")]
    public static partial void RollingBack(ILogger logger, string podKey, string podUid, PodNetworkPhase phase, bool netnsPresent);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "pod {PodKey} ({PodUid}): network torn down, {ElapsedMs} ms")]
    public static partial void TornDown(ILogger logger, string podKey, string podUid, long elapsedMs);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "pod {PodKey} ({PodUid}): CNI DEL of {Plugin} failed; the record is kept for a retry")]
    public static partial void DeleteFailed(ILogger logger, Exception exception, string podKey, string podUid, string plugin);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "pod {PodKey} ({PodUid}): rollback after a failed set-up failed too")]
    public static partial void RollbackFailed(ILogger logger, Exception exception, string podKey, string podUid);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "node network cleaned up: bridge {Bridge} removed, iptables chains removed: {Chains}")]
    public static partial void HostCleaned(ILogger logger, string bridge, string chains);
}
