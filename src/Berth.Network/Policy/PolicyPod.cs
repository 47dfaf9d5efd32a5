using System.Net;

namespace Berth.Network.Policy;

/// <summary>
/// What NetworkPolicy enforcement needs of one pod: who it is (to be selected by policies and peers) and where it is
/// (its address). Pods with <c>hostNetwork: true</c> must not be given (NetworkPolicy does not apply to them, and
/// their address is the node's); pods without an address yet are ignored.
/// </summary>
/// <param name="Uid">metadata.uid.</param>
/// <param name="Namespace">metadata.namespace.</param>
/// <param name="Name">metadata.name.</param>
/// <param name="Address">status.podIP (IPv4); null while it has none.</param>
/// <param name="Labels">metadata.labels.</param>
/// <param name="NamedPorts">The named ports of all its containers (<c>ports[]</c> entries with a name).</param>
public sealed record PolicyPod(
    string Uid,
    string Namespace,
    string Name,
    IPAddress? Address,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<PolicyNamedPort> NamedPorts)
{
    public PolicyPod(string uid, string @namespace, string name, IPAddress? address, IReadOnlyDictionary<string, string> labels)
        : this(uid, @namespace, name, address, labels, [])
    {
    }
}
