namespace Berth.Network.Policy;

/// <summary>
/// What the node enforces for one of its pods. A null direction means the pod is not isolated in it (no policy
/// selecting it has that type): everything passes. A non-null list is the union of what may pass; an empty list
/// denies everything in that direction (except the pod's own traffic to itself and the node's, which always pass).
/// </summary>
public sealed record CompiledPodPolicy(PolicyPod Pod, IReadOnlyList<CompiledRule>? Ingress, IReadOnlyList<CompiledRule>? Egress);
