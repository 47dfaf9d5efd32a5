using k8s.Models;

namespace Berth.Scheduler;

/// <summary>
/// Why a pod was not bound. <see cref="Reason"/> is the PodScheduled condition's reason: <c>Unschedulable</c>
/// or <c>SchedulingGated</c>. <see cref="Message"/> is what kube-scheduler writes in the condition and the
/// <c>FailedScheduling</c> event, e.g. <c>0/3 nodes are available: 1 node(s) had untolerated taint
/// {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No
/// preemption victims found for incoming pod.</c> <see cref="NodeReasons"/> lists, per node, the reasons that
/// node was counted under (the first failing filter's reasons).
/// </summary>
public sealed record SchedulingFailure(
    string Namespace,
    string Name,
    string Uid,
    string Reason,
    string Message,
    IReadOnlyDictionary<string, IReadOnlyList<string>> NodeReasons,
    PreemptionDecision? Preemption)
{
    public const string Unschedulable = "Unschedulable";
    public const string SchedulingGated = "SchedulingGated";

    /// <summary>The <c>PodScheduled=False</c> condition to write into the pod's status.</summary>
    public V1PodCondition ToCondition(DateTime now) => new()
    {
        Type = "PodScheduled",
        Status = "False",
        Reason = Reason,
        Message = Message,
        LastTransitionTime = now,
    };
}
