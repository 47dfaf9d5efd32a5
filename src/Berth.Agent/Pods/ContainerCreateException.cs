namespace Berth.Agent.Pods;

/// <summary>The runtime could not create the container (the kubelet's <c>CreateContainerError</c>).</summary>
internal sealed class ContainerCreateException(string message, Exception? inner = null) : Exception(message, inner)
{
}
