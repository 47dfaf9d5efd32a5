using System.Net;

namespace Berth.Runtime.Vm;

/// <summary>
/// The pod network the VM joins, as the network layer (CNI) configured it: the runtime does not
/// allocate addresses, it hands the pod's identity to the guest.
/// </summary>
public sealed record VmNetwork
{
    /// <summary>Required. The pod's network namespace, e.g. <c>/var/run/netns/berth-POD</c>; QEMU runs inside it.</summary>
    public required string NetnsPath { get; init; }

    /// <summary>Required. The pod IP (on <see cref="PodInterface"/>).</summary>
    public required IPAddress PodIp { get; init; }

    /// <summary>Required. Prefix length of the pod subnet.</summary>
    public required int PrefixLength { get; init; }

    /// <summary>The pod's default gateway; null: no default route in the guest.</summary>
    public IPAddress? Gateway { get; init; }

    public string PodInterface { get; set; } = "eth0";

    public VmNetworkMode Mode { get; set; } = VmNetworkMode.Bridge;

    /// <summary>Cluster DNS servers and search domains written into the generated network-config.</summary>
    public IReadOnlyList<string> DnsServers { get; set; } = [];

    public IReadOnlyList<string> DnsSearches { get; set; } = [];

    /// <summary>Masquerade only: the TCP/UDP ports forwarded to the guest; empty forwards every port (KubeVirt's behaviour without <c>ports</c>).</summary>
    public IReadOnlyList<int> ForwardedPorts { get; set; } = [];
}
