namespace Berth.Network.Policy;

/// <summary>The transport of a NetworkPolicy port or of a pod's named port (<c>TCP</c>, the default, <c>UDP</c>, <c>SCTP</c>).</summary>
public enum PolicyProtocol
{
    Tcp,
    Udp,
    Sctp,
}
