using System.Net;

namespace Berth.Network.Pods;

/// <summary>
/// Node-level settings of pod networking. Every name and range here is fixed for the life of a node: changing
/// one while pods exist strands them (their records name the old bridge, netns prefix and IPAM data).
/// </summary>
public sealed record PodNetworkOptions
{
    /// <summary>The node's data directory; pod records live in <c>DataDirectory/network/pods</c> and host-local's
    /// allocations in <c>DataDirectory/network/ipam</c>. Required.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The pod CIDR of this node (Kubernetes' <c>node.spec.podCIDR</c>). The first address is the
    /// bridge's (the pods' gateway); pods get the rest.</summary>
    public IPNetwork PodCidr { get; init; } = IPNetwork.Parse("10.244.0.0/24");

    /// <summary>The Linux bridge that joins the pods of this node. Tests use a <c>bt-</c> name.</summary>
    public string BridgeName { get; init; } = "berth0";

    /// <summary>Prefix of the per-pod network namespace names (<c>PREFIX + first 12 hex digits of the pod UID</c>).</summary>
    public string NetnsPrefix { get; init; } = "berth-";

    /// <summary>The CNI network name; it scopes host-local's allocations and names the iptables chains the
    /// bridge plugin adds for ipMasq.</summary>
    public string NetworkName { get; init; } = "berth";

    /// <summary>Where the CNI plugin binaries are (Debian's containernetworking-plugins).</summary>
    public string CniPluginDirectory { get; init; } = "/usr/lib/cni";

    /// <summary>The interface name inside each pod.</summary>
    public string InterfaceName { get; init; } = "eth0";

    /// <summary>MTU of the bridge and veths; null leaves the plugin's default (1500).</summary>
    public int? Mtu { get; init; }

    public string StateDirectory => Path.Combine(DataDirectory, "network", "pods");

    public string IpamDirectory => Path.Combine(DataDirectory, "network", "ipam");

    /// <summary>The bridge's address, which is every pod's default gateway: the first host address of <see cref="PodCidr"/>.</summary>
    public IPAddress GatewayAddress
    {
        get
        {
            var b = PodCidr.BaseAddress.GetAddressBytes();
            b[^1] += 1;
            return new IPAddress(b);
        }
    }
}
