namespace Berth.Network.Cni;

/// <summary>
/// The per-invocation parameters the CNI spec passes through the environment
/// (https://github.com/containernetworking/cni/blob/main/SPEC.md#parameters).
/// </summary>
/// <param name="ContainerId">CNI_CONTAINERID: the attachment's identity; host-local keys IP allocations by it.</param>
/// <param name="NetnsPath">CNI_NETNS: the path of the network namespace.</param>
/// <param name="InterfaceName">CNI_IFNAME: the interface to create inside the namespace.</param>
/// <param name="Args">CNI_ARGS: extra <c>KEY=VALUE</c> pairs (Kubernetes passes K8S_POD_NAMESPACE, K8S_POD_NAME, ...).</param>
public sealed record CniRuntimeArgs(
    string ContainerId,
    string NetnsPath,
    string InterfaceName,
    IReadOnlyList<KeyValuePair<string, string>>? Args = null);
