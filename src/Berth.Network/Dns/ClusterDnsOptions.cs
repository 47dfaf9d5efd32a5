using System.Net;

namespace Berth.Network.Dns;

/// <summary>Settings of the node's cluster DNS server.</summary>
public sealed record ClusterDnsOptions
{
    /// <summary>Where to listen, UDP and TCP. The agent uses the pod bridge's gateway address, port 53: every pod
    /// reaches it without any NAT (see docs/network.md). Tests use loopback and a free port.</summary>
    public required IReadOnlyList<IPEndPoint> Listen { get; init; }

    /// <summary>The cluster domain (kubelet's <c>--cluster-domain</c>).</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>Where names outside the cluster domain go. Null (the default) means the nameservers of the host's
    /// <c>/etc/resolv.conf</c> on port 53 (see <see cref="ResolvConf.Parse"/>); empty means no forwarding (SERVFAIL).</summary>
    public IReadOnlyList<IPEndPoint>? Upstreams { get; init; }

    /// <summary>TTL of the answers for cluster names (CoreDNS' kubernetes plugin uses 5 s).</summary>
    public int Ttl { get; init; } = 5;

    /// <summary>How long a forwarded query may take before the client gets SERVFAIL.</summary>
    public TimeSpan ForwardTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// UDP sockets per listen address, bound with SO_REUSEPORT and each read by its own thread (see
    /// <see cref="ReusePortUdpTransport"/>); default: one per CPU, at most 4. 0 selects ARSoft's own
    /// <c>UdpServerTransport</c> instead (one socket, a task per datagram, no answer cache): the engine before the
    /// fast path, kept as the reference that <c>bench/run dns</c> compares against.
    /// </summary>
    public int UdpSockets { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>How many encoded answers for cluster names the UDP fast path keeps per zone snapshot (each
    /// <see cref="ClusterDnsServer.Update"/> starts an empty cache); 0 disables the cache.</summary>
    public int AnswerCacheSize { get; init; } = 10_000;
}
