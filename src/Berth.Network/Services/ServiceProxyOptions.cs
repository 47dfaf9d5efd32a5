using System.Net;

namespace Berth.Network.Services;

/// <summary>Node-level settings of the service data plane.</summary>
public sealed record ServiceProxyOptions
{
    /// <summary>The nftables table (family <c>ip</c>) that holds every rule of the proxy; nothing is written outside it.</summary>
    public string TableName { get; init; } = "berth";

    /// <summary>The ClusterIP range. Traffic to an address in it that no service port takes is rejected, so it never
    /// leaves the node through the default route.</summary>
    public IPNetwork ServiceCidr { get; init; } = IPNetwork.Parse("10.96.0.0/16");

    /// <summary>The pod addresses of the whole cluster. Traffic to a ClusterIP from outside it is masqueraded (as
    /// kube-proxy's <c>--cluster-cidr</c>), so replies come back through this node.</summary>
    public IPNetwork ClusterCidr { get; init; } = IPNetwork.Parse("10.244.0.0/16");

    /// <summary>The packet mark bit that asks for masquerading (kube-proxy's 0x4000; portmap uses 0x2000).</summary>
    public uint MasqueradeMark { get; init; } = 0x4000;

    /// <summary>Where the <c>conntrack</c> tool is looked up; stale UDP flows to removed endpoints are deleted with it.</summary>
    public string ConntrackPath { get; init; } = "conntrack";
}
