namespace Berth.Network.Services;

/// <summary>
/// The node's service data plane. Driven by full state: each <see cref="SyncAsync"/> gets every service with its
/// ready endpoints and makes the kernel match, atomically.
/// <para>
/// Contract: a sync with the same input as the last one changes nothing (and returns false); a proxy that starts
/// (agent restart) reconciles the rules it finds with its first sync instead of flushing them, so established
/// connections and ClientIP affinities survive; <see cref="CleanupAsync"/> removes every rule the proxy ever
/// made (all of them live in one nftables table). Calls must not overlap (the caller serialises them, e.g.
/// through <see cref="ServiceProxyLoop"/>).
/// </para>
/// </summary>
public interface IServiceProxy
{
    /// <summary>Makes the data plane serve exactly <paramref name="services"/>; returns whether anything changed.</summary>
    Task<bool> SyncAsync(IReadOnlyCollection<ProxyService> services, CancellationToken cancellationToken = default);

    /// <summary>Removes everything the proxy added. Established connections keep their NAT (conntrack), new ones get none.</summary>
    Task CleanupAsync(CancellationToken cancellationToken = default);
}
