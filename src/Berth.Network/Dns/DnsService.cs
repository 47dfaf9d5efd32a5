using System.Net;

namespace Berth.Network.Dns;

/// <summary>
/// What cluster DNS needs of one Service (the node gets it from the API: Service + its Endpoints/EndpointSlices).
/// The kind follows from the fields: <see cref="ExternalName"/> set ⇒ ExternalName (a CNAME); else
/// <see cref="ClusterIP"/> set ⇒ a normal service (its name resolves to the ClusterIP); else headless (its name
/// resolves to the ready endpoints' addresses). See
/// https://github.com/kubernetes/dns/blob/master/docs/specification.md.
/// </summary>
/// <param name="Namespace">metadata.namespace.</param>
/// <param name="Name">metadata.name.</param>
/// <param name="ClusterIP">spec.clusterIP, null for headless and ExternalName services.</param>
/// <param name="Ports">spec.ports; SRV records exist for the named ones.</param>
/// <param name="Endpoints">The ready endpoint addresses (all of them with publishNotReadyAddresses); used by
/// headless services, and for the <c>HOSTNAME.SERVICE.NS.svc</c> names of pods with <c>hostname</c>/<c>subdomain</c>.</param>
/// <param name="ExternalName">spec.externalName.</param>
public sealed record DnsService(
    string Namespace,
    string Name,
    IPAddress? ClusterIP,
    IReadOnlyList<DnsServicePort> Ports,
    IReadOnlyList<DnsEndpoint> Endpoints,
    string? ExternalName = null);
