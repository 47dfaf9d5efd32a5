namespace Berth.Agent.Pods;

/// <summary>
/// The pod spec cannot be turned into a container here (a missing config map key, runAsNonRoot with a root
/// image, a VM pod before the VM runtime is wired): the kubelet's <c>CreateContainerConfigError</c>, whose
/// message is shown in the container's waiting state.
/// </summary>
internal sealed class ContainerConfigException(string message) : Exception(message)
{
}
