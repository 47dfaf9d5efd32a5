using Berth.Scheduler.Matching;

namespace Berth.Scheduler.Indexes;

/// <summary>
/// All placed pods carrying one same affinity term (same namespaces, selector, topology key, kind and weight),
/// counted per topology domain of the nodes they sit on.
/// </summary>
internal sealed class TermGroup(AffinityTerm term, TermKind kind, int weight, TopologyKeyIndex topology)
{
    public AffinityTerm Term { get; } = term;

    public TermKind Kind { get; } = kind;

    public int Weight { get; } = weight;

    public TopologyKeyIndex Topology { get; } = topology;

    public int[] CountByDomain { get; } = new int[topology.DomainCount];

    /// <summary>Owners placed on nodes that have the topology label.</summary>
    public int Total { get; set; }
}
