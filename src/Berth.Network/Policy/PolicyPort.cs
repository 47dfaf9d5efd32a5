namespace Berth.Network.Policy;

/// <summary>
/// One <c>ports</c> entry of a rule (NetworkPolicyPort): <see cref="Protocol"/> and either a number
/// (<see cref="Port"/>, optionally up to <see cref="EndPort"/>), a name (<see cref="NamedPort"/>, resolved per pod:
/// for ingress against the selected pod's named ports, for egress against each destination pod's), or neither
/// (every port of the protocol).
/// </summary>
public sealed record PolicyPort(PolicyProtocol Protocol = PolicyProtocol.Tcp, int? Port = null, string? NamedPort = null, int? EndPort = null);
