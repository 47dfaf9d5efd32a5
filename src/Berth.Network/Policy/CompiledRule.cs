using System.Net;

namespace Berth.Network.Policy;

/// <summary>
/// One allow rule of one pod and direction, with every selector and named port resolved: traffic whose remote address
/// matches <see cref="Addresses"/> or <see cref="Block"/> (any address when both are null) and whose destination port
/// matches <see cref="Protocol"/>/<see cref="Port"/>..<see cref="EndPort"/> (any traffic when
/// <see cref="Protocol"/> is null; every port of the protocol when <see cref="Port"/> is null).
/// The remote address is the source for ingress and the destination for egress.
/// </summary>
/// <param name="Origin">Where it comes from, e.g. <c>shop/allow-front ingress[0]</c> (becomes an nft comment).</param>
/// <param name="Addresses">The pod addresses the peers selected, sorted; never empty.</param>
/// <param name="Block">An ipBlock peer.</param>
/// <param name="Protocol">The transport, or null for any.</param>
/// <param name="Port">The first destination port, or null for all.</param>
/// <param name="EndPort">The last destination port of a range, or null.</param>
public sealed record CompiledRule(
    string Origin,
    IReadOnlyList<IPAddress>? Addresses,
    PolicyIPBlock? Block,
    PolicyProtocol? Protocol,
    int? Port,
    int? EndPort);
