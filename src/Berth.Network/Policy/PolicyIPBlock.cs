using System.Net;

namespace Berth.Network.Policy;

/// <summary>
/// An <c>ipBlock</c> peer: addresses in <see cref="Cidr"/> but in none of <see cref="Except"/>. Matched against the
/// packet's address as the node sees it (after service DNAT for destinations; before any masquerade for sources).
/// IPv6 blocks are ignored (Berth's pod network is IPv4).
/// </summary>
/// <param name="Cidr">ipBlock.cidr (host bits cleared).</param>
/// <param name="Except">ipBlock.except.</param>
public sealed record PolicyIPBlock(IPNetwork Cidr, IReadOnlyList<IPNetwork> Except)
{
    public PolicyIPBlock(IPNetwork cidr)
        : this(cidr, [])
    {
    }

    public bool Contains(IPAddress address) => Cidr.Contains(address) && !Except.Any(e => e.Contains(address));
}
