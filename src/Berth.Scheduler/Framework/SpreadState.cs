using Berth.Scheduler.Indexes;
using Berth.Scheduler.Model;

namespace Berth.Scheduler.Framework;

/// <summary>
/// PodTopologySpread's PreFilter state for one DoNotSchedule constraint: matching pods per domain, counted over
/// the nodes that have every constraint's topology key and pass the constraint's node inclusion policies, and
/// which domains exist among those nodes.
/// </summary>
internal sealed class SpreadState
{
    public required SpreadConstraint Constraint { get; init; }

    public required TopologyKeyIndex Topology { get; init; }

    public required int[] Counts { get; init; }

    public required bool[] Present { get; init; }

    public required bool SelfMatch { get; init; }

    public int DomainsNum { get; set; }

    /// <summary>The global minimum the skew is measured against; int.MaxValue when no domain exists.</summary>
    public long MinMatch { get; private set; }

    public void RecomputeMin()
    {
        long min = int.MaxValue;
        var domains = 0;
        for (var d = 0; d < Counts.Length; d++)
        {
            if (Present[d])
            {
                domains++;
                min = Math.Min(min, Counts[d]);
            }
        }

        DomainsNum = domains;
        if (Constraint.MinDomains is int md && domains < md)
        {
            min = 0;
        }

        MinMatch = min;
    }

    public SpreadState Clone()
    {
        var c = new SpreadState
        {
            Constraint = Constraint,
            Topology = Topology,
            Counts = (int[])Counts.Clone(),
            Present = Present,
            SelfMatch = SelfMatch,
        };
        c.RecomputeMin();
        return c;
    }
}
