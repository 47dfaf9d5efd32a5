namespace Berth.Network.Dns;

/// <summary>A service port as SRV records show it: <c>_NAME._PROTO.SVC.NS.svc.cluster.local</c>.</summary>
/// <param name="Name">spec.ports[].name; unnamed ports get no SRV record (as in Kubernetes).</param>
/// <param name="Protocol">"TCP" or "UDP".</param>
/// <param name="Port">The port of a ClusterIP service; for a headless service, the endpoints' port.</param>
public sealed record DnsServicePort(string Name, string Protocol, int Port);
