using k8s.Models;

namespace Berth.Scheduler;

/// <summary>
/// What the scheduler sees of the cluster at one moment. <see cref="Pods"/> holds the pods already on nodes
/// (<c>spec.nodeName</c> set); pods whose phase is Succeeded or Failed, or whose node is not in
/// <see cref="Nodes"/>, are ignored, as kube-scheduler's cache ignores them. Pending pods may be included too:
/// they are skipped here (pass them to <see cref="PodScheduler.Schedule"/> instead).
/// <see cref="Namespaces"/> is only needed for pod affinity terms with a <c>namespaceSelector</c>.
/// </summary>
public sealed record ClusterSnapshot(
    IReadOnlyList<V1Node> Nodes,
    IReadOnlyList<V1Pod> Pods,
    IReadOnlyList<V1Namespace>? Namespaces = null);
