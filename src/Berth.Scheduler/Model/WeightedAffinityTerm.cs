using Berth.Scheduler.Matching;

namespace Berth.Scheduler.Model;

/// <summary>A preferred pod (anti-)affinity term with its weight (1-100).</summary>
internal sealed record WeightedAffinityTerm(AffinityTerm Term, int Weight);
