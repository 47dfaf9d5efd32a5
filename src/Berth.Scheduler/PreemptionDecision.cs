namespace Berth.Scheduler;

/// <summary>
/// DefaultPreemption's outcome for a pod that fits nowhere: delete <see cref="Victims"/> (lower-priority pods
/// on <see cref="NominatedNodeName"/>) and set the pod's <c>status.nominatedNodeName</c>; a later round binds
/// it once the victims are gone. Within the batch the pod is reserved on that node, so later pods do not take
/// the room.
/// </summary>
public sealed record PreemptionDecision(string NominatedNodeName, IReadOnlyList<PodRef> Victims);
