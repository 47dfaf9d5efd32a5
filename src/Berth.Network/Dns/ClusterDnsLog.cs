using Microsoft.Extensions.Logging;

namespace Berth.Network.Dns;

internal static partial class ClusterDnsLog
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "cluster DNS listening on {Listen}; upstreams {Upstreams}")]
    public static partial void Started(ILogger logger, string listen, string upstreams);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "cluster DNS server error")]
    public static partial void ServerError(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Debug, Message = "cluster DNS: forwarding {Name} failed: {Reason}")]
    public static partial void ForwardFailed(ILogger logger, string name, string reason);
}
