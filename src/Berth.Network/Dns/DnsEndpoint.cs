using System.Net;

namespace Berth.Network.Dns;

/// <summary>One endpoint address of a service; <paramref name="Hostname"/> is the pod's <c>spec.hostname</c> (StatefulSet
/// pods: <c>web-0</c>) when its <c>spec.subdomain</c> names the service, which gives it
/// <c>HOSTNAME.SERVICE.NS.svc.cluster.local</c>.</summary>
public sealed record DnsEndpoint(IPAddress Address, string? Hostname = null);
