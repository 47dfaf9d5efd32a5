using System.Net;

namespace Berth.Runtime.Vm.Cloud;

/// <summary>What the guest's first NIC must be configured with: the pod identity (bridge) or the private side of the NAT (masquerade).</summary>
public sealed record GuestNetwork(
    string MacAddress,
    IPAddress Address,
    int PrefixLength,
    IPAddress? Gateway,
    IReadOnlyList<string> DnsServers,
    IReadOnlyList<string> DnsSearches,
    int? Mtu = null);
