using Berth.Scheduler.Model;

namespace Berth.Scheduler.Indexes;

/// <summary>How many placed pods on each node match one predicate (a spread selector, an affinity term...).</summary>
internal sealed class PodCountEntry(Func<PodInfo, bool> match, int nodes)
{
    public Func<PodInfo, bool> Match { get; } = match;

    public int[] PerNode { get; } = new int[nodes];

    public int Total { get; set; }
}
