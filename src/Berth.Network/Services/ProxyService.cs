using System.Net;

namespace Berth.Network.Services;

/// <summary>
/// What the data plane needs of one Service: its virtual IP, its ports with their ready endpoints, and its session
/// affinity. Headless services (<c>clusterIP: None</c>) and ExternalName services have no data plane: pass
/// <see cref="ClusterIP"/> null (their node ports, which Kubernetes forbids anyway, are ignored).
/// </summary>
/// <param name="Namespace">metadata.namespace.</param>
/// <param name="Name">metadata.name.</param>
/// <param name="ClusterIP">spec.clusterIP (IPv4), or null for headless.</param>
/// <param name="Ports">spec.ports with endpoints.</param>
/// <param name="ClientIPAffinity">spec.sessionAffinity == ClientIP: one client address keeps its backend
/// (for <see cref="AffinityTimeoutSeconds"/> after its last new connection).</param>
/// <param name="AffinityTimeoutSeconds">spec.sessionAffinityConfig.clientIP.timeoutSeconds (Kubernetes' default: 10800).</param>
public sealed record ProxyService(
    string Namespace,
    string Name,
    IPAddress? ClusterIP,
    IReadOnlyList<ProxyServicePort> Ports,
    bool ClientIPAffinity = false,
    int AffinityTimeoutSeconds = 10800);
