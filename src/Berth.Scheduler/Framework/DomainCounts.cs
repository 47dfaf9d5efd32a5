using Berth.Scheduler.Indexes;

namespace Berth.Scheduler.Framework;

/// <summary>Pod counts by topology domain of one key, as PreFilter hands them to Filter.</summary>
internal sealed class DomainCounts(TopologyKeyIndex topology, int[] counts)
{
    public TopologyKeyIndex Topology { get; } = topology;

    public int[] Counts { get; } = counts;

    public int At(int node)
    {
        var d = Topology.DomainOf[node];
        return d < 0 ? 0 : Counts[d];
    }

    public DomainCounts Clone() => new(Topology, (int[])Counts.Clone());

    public static DomainCounts Aggregate(TopologyKeyIndex topology, int[] perNode)
    {
        var counts = new int[topology.DomainCount];
        var dom = topology.DomainOf;
        for (var n = 0; n < perNode.Length; n++)
        {
            var c = perNode[n];
            if (c != 0 && dom[n] >= 0)
            {
                counts[dom[n]] += c;
            }
        }

        return new DomainCounts(topology, counts);
    }
}
