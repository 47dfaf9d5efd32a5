namespace Berth.Network.Pods;

/// <summary>What the agent asks of <see cref="IPodNetwork.SetUpAsync"/> for one pod.</summary>
/// <param name="PodKey">"namespace/name", for records and logs.</param>
/// <param name="PodUid">metadata.uid: the identity of the attachment. A pod re-created with the same name has a new UID and a new network.</param>
/// <param name="HostPorts">The pod's hostPort mappings; empty for most pods. Fixed for the life of the pod (pod specs cannot change them).</param>
public sealed record PodNetworkRequest(string PodKey, string PodUid, IReadOnlyList<HostPortMapping> HostPorts)
{
    public PodNetworkRequest(string podKey, string podUid)
        : this(podKey, podUid, [])
    {
    }
}
