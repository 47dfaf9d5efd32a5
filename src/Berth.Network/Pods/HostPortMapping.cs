namespace Berth.Network.Pods;

/// <summary>
/// A container port published on the node (a container's <c>ports[].hostPort</c> in a pod spec), carried out by
/// the CNI <c>portmap</c> plugin with DNAT rules.
/// </summary>
/// <param name="ContainerPort">The port inside the pod.</param>
/// <param name="HostPort">The port on the node.</param>
/// <param name="Protocol">"TCP", "UDP" or "SCTP" (Kubernetes spelling; passed to portmap lower-cased).</param>
/// <param name="HostIP">The node address to bind; null or empty means every address, including 127.0.0.1.</param>
public sealed record HostPortMapping(int ContainerPort, int HostPort, string Protocol = "TCP", string? HostIP = null);
