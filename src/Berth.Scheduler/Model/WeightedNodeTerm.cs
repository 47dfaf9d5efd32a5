using Berth.Scheduler.Matching;

namespace Berth.Scheduler.Model;

/// <summary>A preferred node affinity term with its weight (1-100).</summary>
internal sealed record WeightedNodeTerm(NodeSelectorTerm Term, int Weight);
