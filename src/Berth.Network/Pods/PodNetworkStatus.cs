using System.Net;

namespace Berth.Network.Pods;

/// <summary>
/// The network of one pod as it is on the node. The runtime joins containers (or a VM's tap) to
/// <see cref="NetnsPath"/>; the agent reports <see cref="PodIP"/> as <c>status.podIP</c>.
/// </summary>
/// <param name="PodKey">"namespace/name".</param>
/// <param name="PodUid">metadata.uid.</param>
/// <param name="NetnsPath">The named network namespace, e.g. <c>/var/run/netns/berth-0123456789ab</c>; an OCI config's
/// <c>linux.namespaces[type=network].path</c>.</param>
/// <param name="PodIP">The pod's address on the bridge.</param>
/// <param name="PrefixLength">The prefix length of the pod network (24 for the default pod CIDR).</param>
/// <param name="Gateway">The bridge address: the pod's default route, and where node-local services (cluster DNS) listen.</param>
/// <param name="InterfaceName">The interface inside the netns (<c>eth0</c>).</param>
/// <param name="HostPorts">The host ports published for this pod.</param>
public sealed record PodNetworkStatus(
    string PodKey,
    string PodUid,
    string NetnsPath,
    IPAddress PodIP,
    int PrefixLength,
    IPAddress Gateway,
    string InterfaceName,
    IReadOnlyList<HostPortMapping> HostPorts);
