namespace Berth.Network.Dns;

internal static class DnsServerLimits
{
    /// <summary>Largest encoded answer the UDP fast path caches (larger ones, rare for cluster names, take the full path).</summary>
    public const int MaxCachedAnswer = 4096;
}
