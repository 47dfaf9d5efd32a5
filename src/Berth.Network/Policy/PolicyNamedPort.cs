namespace Berth.Network.Policy;

/// <summary>
/// A named container port of a pod (<c>spec.containers[].ports[]</c> with a <c>name</c>): what a policy port given by
/// name (<c>port: http</c>) resolves to, per pod.
/// </summary>
/// <param name="Name">ports[].name (an IANA_SVC_NAME, unique within the pod).</param>
/// <param name="Protocol">ports[].protocol (default TCP).</param>
/// <param name="Port">ports[].containerPort.</param>
public sealed record PolicyNamedPort(string Name, PolicyProtocol Protocol, int Port);
