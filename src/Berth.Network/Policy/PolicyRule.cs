namespace Berth.Network.Policy;

/// <summary>
/// One ingress or egress rule: traffic is allowed when it matches one of <see cref="Peers"/> (any peer when empty)
/// and one of <see cref="Ports"/> (any port when empty).
/// </summary>
/// <param name="Peers">from (ingress) or to (egress).</param>
/// <param name="Ports">ports.</param>
public sealed record PolicyRule(IReadOnlyList<PolicyPeer> Peers, IReadOnlyList<PolicyPort> Ports);
