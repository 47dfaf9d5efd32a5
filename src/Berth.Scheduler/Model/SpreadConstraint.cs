using Berth.Scheduler.Matching;

namespace Berth.Scheduler.Model;

/// <summary>
/// A compiled <c>v1.TopologySpreadConstraint</c>. <see cref="Selector"/> already includes <c>matchLabelKeys</c>
/// (merged from the owner pod's labels). Node inclusion policies default as Kubernetes does:
/// nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore.
/// </summary>
internal sealed record SpreadConstraint(
    int MaxSkew,
    string TopologyKey,
    bool DoNotSchedule,
    LabelSelector Selector,
    int? MinDomains,
    bool HonorNodeAffinity,
    bool HonorNodeTaints);
