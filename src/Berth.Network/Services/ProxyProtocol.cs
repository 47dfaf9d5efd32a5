namespace Berth.Network.Services;

/// <summary>The transport of a service port (Kubernetes' <c>TCP</c>/<c>UDP</c>; SCTP is not supported).</summary>
public enum ProxyProtocol
{
    Tcp,
    Udp,
}
