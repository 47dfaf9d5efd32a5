using System.Net;

namespace Berth.Agent;

/// <summary>How one node agent runs: its node's name, its data directory and its pod network. Fixed for the life of a node.</summary>
public sealed record AgentOptions
{
    /// <summary>Required: the Node object's name (<c>--node-name</c>; the host name by default).</summary>
    public required string NodeName { get; init; }

    /// <summary>Required: the node's data directory (images, containers, pod volumes and logs, network state).</summary>
    public required string DataDir { get; init; }

    /// <summary>This node's pod CIDR; the first address is the bridge's, where cluster DNS listens.</summary>
    public IPNetwork PodCidr { get; init; } = IPNetwork.Parse("10.244.0.0/24");

    /// <summary>The Linux bridge joining the pods (tests use a <c>bt-</c> name so that parallel nodes do not meet).</summary>
    public string BridgeName { get; init; } = "berth0";

    /// <summary>Label the node <c>node-role.kubernetes.io/control-plane</c> (set by <c>berth up</c>).</summary>
    public bool ControlPlane { get; init; }

    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>The Service ClusterIP range (the API server's allocator uses 10.96.0.0/16; <c>.1</c> is <c>kubernetes</c>).</summary>
    public IPNetwork ServiceCidr { get; init; } = IPNetwork.Parse("10.96.0.0/16");

    /// <summary>The pod addresses of the whole cluster (kube-proxy's --cluster-cidr); the node's pod CIDR when it is outside.</summary>
    public IPNetwork ClusterCidr { get; init; } = IPNetwork.Parse("10.244.0.0/16");

    /// <summary>The API server's port as pods reach it on the bridge gateway; the <c>kubernetes</c> Service points there. Null: not maintained.</summary>
    public int? ApiServerPort { get; init; }

    /// <summary>Program the service data plane and feed cluster DNS from Services and EndpointSlices (issue 5).</summary>
    public bool ServiceProxy { get; init; } = true;

    /// <summary>Enforce NetworkPolicies on this node's pods (table <c>berth-policy</c>, or <c>BRIDGE-policy</c>; see docs/network.md).</summary>
    public bool NetworkPolicy { get; init; } = true;

    /// <summary>The nftables table of the service proxy: <c>berth</c> on the default bridge, else the bridge's name (tests run side by side).</summary>
    public string ServiceProxyTable => BridgeName == "berth0" ? "berth" : BridgeName;

    /// <summary><c>runc</c>, <c>crun</c>, or null to use crun when it is usable here and runc otherwise.</summary>
    public string? Runtime { get; init; }

    /// <summary>How often the Lease <c>kube-node-lease/NODE</c> is renewed (the kubelet's 10 s).</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often node conditions are checked (written when they change, and at least every <see cref="NodeStatusReportInterval"/>).</summary>
    public TimeSpan NodeStatusCheckInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan NodeStatusReportInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Every pod is synced at least this often, whatever happens (the level-based guarantee).</summary>
    public TimeSpan PodResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often running containers' processes are checked for exits (the kubelet's PLEG relist period).</summary>
    public TimeSpan ContainerCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The kubelet version the node reports (the API level Berth follows).</summary>
    public string KubeletVersion { get; init; } = "v1.32.0-berth";

    public string PodsDir => Path.Combine(DataDir, "pods");

    public string LogsDir => Path.Combine(DataDir, "logs", "pods");
}
