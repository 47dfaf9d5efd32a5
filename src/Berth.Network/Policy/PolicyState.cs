namespace Berth.Network.Policy;

/// <summary>
/// Everything the enforcer of one node needs, as a full snapshot (each sync replaces the previous one).
/// </summary>
/// <param name="LocalPods">The pods running on this node with their own network (not hostNetwork): the ones whose
/// traffic this node filters.</param>
/// <param name="Pods">Every pod of the cluster with an address (this node's included; duplicates by UID are fine): the
/// candidates for podSelector/namespaceSelector peers and for egress named ports.</param>
/// <param name="Namespaces">Every namespace with its labels.</param>
/// <param name="Policies">Every NetworkPolicy of the cluster.</param>
public sealed record PolicyState(
    IReadOnlyList<PolicyPod> LocalPods,
    IReadOnlyList<PolicyPod> Pods,
    IReadOnlyList<PolicyNamespace> Namespaces,
    IReadOnlyList<NetworkPolicy> Policies)
{
    public static PolicyState Empty { get; } = new([], [], [], []);
}
