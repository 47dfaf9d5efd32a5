namespace Berth.Scheduler.Framework;

/// <summary>
/// Why one node was rejected for a pod: the reasons of the first filter that failed, and whether removing pods
/// could help (<c>Unschedulable</c>) or not (<c>UnschedulableAndUnresolvable</c>), which decides whether
/// preemption looks at the node.
/// </summary>
internal sealed class NodeStatus(bool unresolvable, params string[] reasons)
{
    public bool Unresolvable { get; } = unresolvable;

    public string[] Reasons { get; } = reasons;
}
