namespace Berth.Network.Services;

/// <summary>
/// One port of a service (<c>spec.ports[]</c>) with its ready endpoints (from the Endpoints/EndpointSlices of the
/// service, only <c>ready</c> addresses, with named target ports already resolved per pod).
/// </summary>
/// <param name="Name">The port's name; may be empty for a single-port service.</param>
/// <param name="Protocol">TCP or UDP.</param>
/// <param name="Port">The port on the ClusterIP.</param>
/// <param name="NodePort">The node port (30000–32767 by default) for NodePort services; null otherwise.</param>
/// <param name="Endpoints">The ready backends; empty means new connections are refused (rejected, as kube-proxy does).</param>
public sealed record ProxyServicePort(string Name, ProxyProtocol Protocol, int Port, int? NodePort, IReadOnlyList<ProxyEndpoint> Endpoints);
