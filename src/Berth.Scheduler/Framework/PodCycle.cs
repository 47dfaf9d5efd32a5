using Berth.Scheduler.Indexes;
using Berth.Scheduler.Model;

namespace Berth.Scheduler.Framework;

/// <summary>
/// One scheduling cycle's precomputed state for a pod (kube-scheduler's CycleState after PreFilter):
/// NodeAffinity's pinned node names, PodTopologySpread's domain counts, InterPodAffinity's affinity,
/// anti-affinity and existing-anti-affinity counts. Built from <see cref="ClusterState"/>'s indexes in
/// O(nodes) for the constraints the pod has; a pod with none costs O(1).
/// Preemption clones it and removes candidate victims (<see cref="AdjustFor"/>), as the plugins' RemovePod do.
/// </summary>
internal sealed class PodCycle
{
    private PodCycle(ClusterState state, PodInfo pod)
    {
        State = state;
        Pod = pod;
    }

    public ClusterState State { get; }

    public PodInfo Pod { get; }

    /// <summary>NodeAffinity PreFilter result: only these node names can fit (from <c>matchFields metadata.name In</c>).</summary>
    public HashSet<string>? PinnedNodes { get; private set; }

    /// <summary>Set when a PreFilter plugin rejects the pod outright; its message replaces the node histogram.</summary>
    public string? PreFilterRejection { get; private set; }

    public SpreadState[] Spread { get; private set; } = [];

    public DomainCounts[] Affinity { get; private set; } = [];

    /// <summary>Whether no placed pod matches all of the pod's affinity terms (kube: <c>len(affinityCounts) == 0</c>).</summary>
    public bool AffinityEmpty { get; private set; }

    public bool SelfMatchesAffinity { get; private set; }

    public DomainCounts[] Anti { get; private set; } = [];

    public DomainCounts[] ExistingAnti { get; private set; } = [];

    public static PodCycle Build(ClusterState state, PodInfo pod)
    {
        var c = new PodCycle(state, pod);
        c.PinnedNodes = pod.RequiredNodeAffinity?.PinnedNodeNames();
        if (c.PinnedNodes is { Count: 0 })
        {
            c.PreFilterRejection = Messages.NodeAffinityConflict;
        }

        if (pod.HardSpread.Length > 0)
        {
            c.Spread = BuildSpread(state, pod, pod.HardSpread);
        }

        if (pod.RequiredAffinity.Length > 0)
        {
            var terms = pod.RequiredAffinity;
            var key = "all|" + string.Join("&", terms.Select(t => t.Key));
            var entry = state.Counts.Get(key, p => terms.All(t => t.Matches(p)));
            c.Affinity = terms.Select(t => DomainCounts.Aggregate(state.Topology(t.TopologyKey), entry.PerNode)).ToArray();
            c.AffinityEmpty = c.Affinity.All(a => a.Counts.All(x => x == 0));
            c.SelfMatchesAffinity = terms.All(t => t.Matches(pod));
        }

        if (pod.RequiredAntiAffinity.Length > 0)
        {
            c.Anti = pod.RequiredAntiAffinity.Select(t =>
            {
                var entry = state.Counts.Get("term|" + t.Key, t.Matches);
                return DomainCounts.Aggregate(state.Topology(t.TopologyKey), entry.PerNode);
            }).ToArray();
        }

        List<DomainCounts>? existing = null;
        foreach (var g in state.Terms.RequiredAnti)
        {
            if (g.Total > 0 && g.Term.Matches(pod))
            {
                (existing ??= []).Add(new DomainCounts(g.Topology, g.CountByDomain));
            }
        }

        c.ExistingAnti = existing is null ? [] : [.. existing];
        return c;
    }

    /// <summary>
    /// Domain counts for spread constraints (hard ones for Filter, soft ones for Score share this code):
    /// a node counts when it has every constraint's key and passes the constraint's inclusion policies;
    /// pods count when in the pod's namespace, not terminating, and matching the selector.
    /// </summary>
    public static SpreadState[] BuildSpread(ClusterState state, PodInfo pod, SpreadConstraint[] constraints)
    {
        var topologies = constraints.Select(k => state.Topology(k.TopologyKey)).ToArray();
        var entries = constraints.Select(k => state.Counts.Get(
            $"spread|{pod.Namespace}|{k.Selector.Key}",
            p => p.Namespace == pod.Namespace && !p.IsTerminating && k.Selector.Matches(p.Labels))).ToArray();
        var result = new SpreadState[constraints.Length];
        for (var i = 0; i < constraints.Length; i++)
        {
            result[i] = new SpreadState
            {
                Constraint = constraints[i],
                Topology = topologies[i],
                Counts = new int[topologies[i].DomainCount],
                Present = new bool[topologies[i].DomainCount],
                SelfMatch = constraints[i].Selector.Matches(pod.Labels),
            };
        }

        var nodes = state.Nodes;
        for (var n = 0; n < nodes.Length; n++)
        {
            if (!HasAllKeys(topologies, n))
            {
                continue;
            }

            for (var i = 0; i < constraints.Length; i++)
            {
                if (!Included(constraints[i], pod, nodes[n]))
                {
                    continue;
                }

                var d = topologies[i].DomainOf[n];
                result[i].Present[d] = true;
                result[i].Counts[d] += entries[i].PerNode[n];
            }
        }

        foreach (var s in result)
        {
            s.RecomputeMin();
        }

        return result;
    }

    private static bool HasAllKeys(TopologyKeyIndex[] topologies, int node)
    {
        foreach (var t in topologies)
        {
            if (t.DomainOf[node] < 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>matchNodeInclusionPolicies</c>: nodeAffinityPolicy Honor → the pod's node selector/affinity; nodeTaintsPolicy Honor → tolerated taints.</summary>
    public static bool Included(SpreadConstraint c, PodInfo pod, NodeInfo node) =>
        (!c.HonorNodeAffinity || pod.MatchesNodeAffinity(node)) && (!c.HonorNodeTaints || pod.ToleratesScheduleTaints(node));

    /// <summary>A deep copy for preemption's dry runs.</summary>
    public PodCycle Clone() => new(State, Pod)
    {
        PinnedNodes = PinnedNodes,
        PreFilterRejection = PreFilterRejection,
        Spread = Spread.Select(s => s.Clone()).ToArray(),
        Affinity = Affinity.Select(a => a.Clone()).ToArray(),
        AffinityEmpty = AffinityEmpty,
        SelfMatchesAffinity = SelfMatchesAffinity,
        Anti = Anti.Select(a => a.Clone()).ToArray(),
        ExistingAnti = MergeByTopology(ExistingAnti),
    };

    /// <summary>Sums entries that share a topology key, so that <see cref="AdjustFor"/> has one entry per key to update.</summary>
    private static DomainCounts[] MergeByTopology(DomainCounts[] entries)
    {
        var merged = new List<DomainCounts>();
        foreach (var e in entries)
        {
            var m = merged.FirstOrDefault(x => ReferenceEquals(x.Topology, e.Topology));
            if (m is null)
            {
                merged.Add(e.Clone());
                continue;
            }

            for (var d = 0; d < e.Counts.Length; d++)
            {
                m.Counts[d] += e.Counts[d];
            }
        }

        return [.. merged];
    }

    /// <summary>
    /// Accounts for <paramref name="other"/> leaving (<paramref name="delta"/> −1) or coming back (+1) to node
    /// <paramref name="node"/>, as the plugins' PreFilterExtensions RemovePod/AddPod do. Existing-anti-affinity
    /// counts are updated per topology key: call this on a <see cref="Clone"/> only, whose entries are merged by key.
    /// </summary>
    public void AdjustFor(PodInfo other, NodeInfo node, int delta)
    {
        var n = node.Index;
        if (Spread.Length > 0 && other.Namespace == Pod.Namespace && !other.IsTerminating
            && Spread.All(s => s.Topology.DomainOf[n] >= 0))
        {
            foreach (var s in Spread)
            {
                if (Included(s.Constraint, Pod, node) && s.Constraint.Selector.Matches(other.Labels))
                {
                    s.Counts[s.Topology.DomainOf[n]] += delta;
                    s.RecomputeMin();
                }
            }
        }

        if (Affinity.Length > 0 && Pod.RequiredAffinity.All(t => t.Matches(other)))
        {
            foreach (var a in Affinity)
            {
                var d = a.Topology.DomainOf[n];
                if (d >= 0)
                {
                    a.Counts[d] += delta;
                }
            }

            AffinityEmpty = Affinity.All(a => a.Counts.All(x => x == 0));
        }

        for (var i = 0; i < Anti.Length; i++)
        {
            var d = Anti[i].Topology.DomainOf[n];
            if (d >= 0 && Pod.RequiredAntiAffinity[i].Matches(other))
            {
                Anti[i].Counts[d] += delta;
            }
        }

        foreach (var t in other.RequiredAntiAffinity)
        {
            if (!t.Matches(Pod))
            {
                continue;
            }

            var topo = State.Topology(t.TopologyKey);
            var d = topo.DomainOf[n];
            if (d < 0)
            {
                continue;
            }

            var entry = ExistingAnti.FirstOrDefault(x => ReferenceEquals(x.Topology, topo));
            if (entry is null)
            {
                entry = new DomainCounts(topo, new int[topo.DomainCount]);
                ExistingAnti = [.. ExistingAnti, entry];
            }

            entry.Counts[d] += delta;
        }
    }
}
