using Berth.Scheduler.Indexes;
using Berth.Scheduler.Matching;
using Berth.Scheduler.Model;

namespace Berth.Scheduler.Framework;

/// <summary>
/// The Score plugins and their normalization, each giving 0..100 per feasible node, summed with the configured
/// weights (kube-scheduler's <c>RunScorePlugins</c>): NodeResourcesFit (LeastAllocated / MostAllocated),
/// NodeResourcesBalancedAllocation, TaintToleration, NodeAffinity, InterPodAffinity, PodTopologySpread.
/// </summary>
internal sealed class Scorer(SchedulerConfig config)
{
    public const long MaxNodeScore = 100;

    private readonly (string Name, int Weight)[] _resources = config.ScoredResources.Select(kv => (kv.Key, kv.Value)).ToArray();

    /// <summary>Total weighted score of each node of <paramref name="feasible"/>.</summary>
    public long[] Score(PodCycle cycle, List<NodeInfo> feasible)
    {
        var w = config.Weights;
        var total = new long[feasible.Count];
        var raw = new long[feasible.Count];
        var pod = cycle.Pod;

        if (w.NodeResourcesFit != 0)
        {
            for (var i = 0; i < feasible.Count; i++)
            {
                total[i] += w.NodeResourcesFit * ResourceScore(pod, feasible[i]);
            }
        }

        if (w.NodeResourcesBalancedAllocation != 0 && (pod.Requests.MilliCpu != 0 || pod.Requests.Memory != 0))
        {
            for (var i = 0; i < feasible.Count; i++)
            {
                total[i] += w.NodeResourcesBalancedAllocation * BalancedScore(pod, feasible[i]);
            }
        }

        if (w.TaintToleration != 0)
        {
            var tolerations = pod.Tolerations.Where(t => string.IsNullOrEmpty(t.Effect) || t.Effect == "PreferNoSchedule").ToArray();
            for (var i = 0; i < feasible.Count; i++)
            {
                var count = 0;
                foreach (var t in feasible[i].PreferTaints)
                {
                    if (!TaintMatcher.AnyTolerates(tolerations, t.Key, t.Value, t.Effect))
                    {
                        count++;
                    }
                }

                raw[i] = count;
            }

            DefaultNormalize(raw, reverse: true);
            Accumulate(total, raw, w.TaintToleration);
        }

        if (w.NodeAffinity != 0 && pod.PreferredNodeTerms.Length > 0)
        {
            for (var i = 0; i < feasible.Count; i++)
            {
                long s = 0;
                foreach (var t in pod.PreferredNodeTerms)
                {
                    if (t.Term.Matches(feasible[i].Name, feasible[i].Labels))
                    {
                        s += t.Weight;
                    }
                }

                raw[i] = s;
            }

            DefaultNormalize(raw, reverse: false);
            Accumulate(total, raw, w.NodeAffinity);
        }

        if (w.InterPodAffinity != 0 && InterPodAffinityScore(cycle, feasible, raw))
        {
            Accumulate(total, raw, w.InterPodAffinity);
        }

        if (w.PodTopologySpread != 0 && pod.SoftSpread.Length > 0)
        {
            SpreadScore(cycle, feasible, raw);
            Accumulate(total, raw, w.PodTopologySpread);
        }

        return total;
    }

    private static void Accumulate(long[] total, long[] raw, int weight)
    {
        for (var i = 0; i < total.Length; i++)
        {
            total[i] += weight * raw[i];
        }
    }

    /// <summary>NodeResourcesFit score over the configured resources, from non-zero requests (kube's <c>NonZeroRequested</c>).</summary>
    public long ResourceScore(PodInfo pod, NodeInfo node)
    {
        long score = 0, weightSum = 0;
        foreach (var (name, weight) in _resources)
        {
            long capacity, requested;
            switch (name)
            {
                case Resources.Cpu:
                    capacity = node.Allocatable.MilliCpu;
                    requested = node.NonZeroRequested.MilliCpu + pod.NonZero.MilliCpu;
                    break;
                case Resources.MemoryName:
                    capacity = node.Allocatable.Memory;
                    requested = node.NonZeroRequested.Memory + pod.NonZero.Memory;
                    break;
                case Resources.Ephemeral:
                    capacity = node.Allocatable.EphemeralStorage;
                    requested = node.Requested.EphemeralStorage + pod.Requests.EphemeralStorage;
                    break;
                default:
                    if (pod.Requests.Scalar(name) == 0)
                    {
                        continue;
                    }

                    capacity = node.Allocatable.Scalar(name);
                    requested = node.Requested.Scalar(name) + pod.Requests.Scalar(name);
                    break;
            }

            if (capacity == 0)
            {
                continue;
            }

            long s;
            if (config.Scoring == ScoringStrategy.MostAllocated)
            {
                s = Math.Min(requested, capacity) * MaxNodeScore / capacity;
            }
            else
            {
                s = requested > capacity ? 0 : (capacity - requested) * MaxNodeScore / capacity;
            }

            score += s * weight;
            weightSum += weight;
        }

        return weightSum == 0 ? 0 : score / weightSum;
    }

    /// <summary>
    /// BalancedAllocation: <c>(1 − std(cpu fraction, memory fraction)) × 100</c> with real requests; best-effort
    /// pods are not scored (the caller skips them), as in current kube-scheduler.
    /// </summary>
    public static long BalancedScore(PodInfo pod, NodeInfo node)
    {
        Span<double> fractions = stackalloc double[2];
        var count = 0;
        if (node.Allocatable.MilliCpu > 0)
        {
            fractions[count++] = Math.Min(1.0, (double)(node.Requested.MilliCpu + pod.Requests.MilliCpu) / node.Allocatable.MilliCpu);
        }

        if (node.Allocatable.Memory > 0)
        {
            fractions[count++] = Math.Min(1.0, (double)(node.Requested.Memory + pod.Requests.Memory) / node.Allocatable.Memory);
        }

        var std = count == 2 ? Math.Abs((fractions[0] - fractions[1]) / 2) : 0;
        return (long)((1 - std) * MaxNodeScore);
    }

    /// <summary><c>helper.DefaultNormalizeScore</c>: scale to 0..100 by the maximum; reverse flips it.</summary>
    public static void DefaultNormalize(long[] scores, bool reverse)
    {
        long max = 0;
        foreach (var s in scores)
        {
            max = Math.Max(max, s);
        }

        if (max == 0)
        {
            if (reverse)
            {
                Array.Fill(scores, MaxNodeScore);
            }

            return;
        }

        for (var i = 0; i < scores.Length; i++)
        {
            var s = MaxNodeScore * scores[i] / max;
            scores[i] = reverse ? MaxNodeScore - s : s;
        }
    }

    /// <summary>
    /// InterPodAffinity Score: for each topology pair, + weight of the pod's preferred affinity terms matched by pods
    /// there, − for preferred anti-affinity, + weights of existing pods' terms (required affinity with
    /// hardPodAffinityWeight, preferred affinity, − preferred anti-affinity) that match the pod; then min-max
    /// normalized. Returns false when nothing applies (the plugin skips).
    /// </summary>
    private bool InterPodAffinityScore(PodCycle cycle, List<NodeInfo> feasible, long[] raw)
    {
        var pod = cycle.Pod;
        var state = cycle.State;
        var contributions = new List<(TopologyKeyIndex Topology, int[] Counts, long Weight)>();
        foreach (var t in pod.PreferredAffinity)
        {
            var e = state.Counts.Get("term|" + t.Term.Key, t.Term.Matches);
            contributions.Add((state.Topology(t.Term.TopologyKey), DomainCounts.Aggregate(state.Topology(t.Term.TopologyKey), e.PerNode).Counts, t.Weight));
        }

        foreach (var t in pod.PreferredAntiAffinity)
        {
            var e = state.Counts.Get("term|" + t.Term.Key, t.Term.Matches);
            contributions.Add((state.Topology(t.Term.TopologyKey), DomainCounts.Aggregate(state.Topology(t.Term.TopologyKey), e.PerNode).Counts, -t.Weight));
        }

        foreach (var g in state.Terms.Scoring)
        {
            if (g.Total <= 0 || !g.Term.Matches(pod))
            {
                continue;
            }

            long weight = g.Kind switch
            {
                TermKind.RequiredAffinity => config.HardPodAffinityWeight,
                TermKind.PreferredAffinity => g.Weight,
                TermKind.PreferredAnti => -g.Weight,
                _ => 0,
            };
            if (weight != 0)
            {
                contributions.Add((g.Topology, g.CountByDomain, weight));
            }
        }

        if (contributions.Count == 0)
        {
            return false;
        }

        long min = long.MaxValue, max = long.MinValue;
        for (var i = 0; i < feasible.Count; i++)
        {
            long s = 0;
            foreach (var (topology, counts, weight) in contributions)
            {
                var d = topology.DomainOf[feasible[i].Index];
                if (d >= 0)
                {
                    s += weight * counts[d];
                }
            }

            raw[i] = s;
            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }

        var diff = max - min;
        for (var i = 0; i < feasible.Count; i++)
        {
            raw[i] = diff > 0 ? (long)(MaxNodeScore * ((double)(raw[i] - min) / diff)) : 0;
        }

        return true;
    }

    /// <summary>
    /// PodTopologySpread Score for ScheduleAnyway constraints: each node gets Σ(count in its domain × log(domains + 2)
    /// + maxSkew − 1), nodes lacking a key are ignored (score 0), then fewer is better:
    /// <c>100 × (max + min − score) / max</c>.
    /// </summary>
    private static void SpreadScore(PodCycle cycle, List<NodeInfo> feasible, long[] raw)
    {
        var pod = cycle.Pod;
        var states = PodCycle.BuildSpread(cycle.State, pod, pod.SoftSpread);
        var ignored = new bool[feasible.Count];
        var weights = new double[states.Length];
        for (var c = 0; c < states.Length; c++)
        {
            var seen = new HashSet<int>();
            var hostname = states[c].Constraint.TopologyKey == "kubernetes.io/hostname";
            var size = 0;
            for (var i = 0; i < feasible.Count; i++)
            {
                var n = feasible[i].Index;
                if (states.Any(s => s.Topology.DomainOf[n] < 0))
                {
                    ignored[i] = true;
                    continue;
                }

                if (hostname)
                {
                    size++;
                }
                else if (seen.Add(states[c].Topology.DomainOf[n]))
                {
                    size++;
                }
            }

            weights[c] = Math.Log(size + 2);
        }

        long minScore = long.MaxValue, maxScore = 0;
        for (var i = 0; i < feasible.Count; i++)
        {
            if (ignored[i])
            {
                continue;
            }

            double score = 0;
            var n = feasible[i].Index;
            for (var c = 0; c < states.Length; c++)
            {
                var s = states[c];
                var d = s.Topology.DomainOf[n];
                long cnt;
                if (s.Constraint.TopologyKey == "kubernetes.io/hostname")
                {
                    cnt = cycle.State.Counts.Get(
                        $"spread|{pod.Namespace}|{s.Constraint.Selector.Key}",
                        p => p.Namespace == pod.Namespace && !p.IsTerminating && s.Constraint.Selector.Matches(p.Labels)).PerNode[n];
                }
                else
                {
                    cnt = s.Counts[d];
                }

                score += cnt * weights[c] + (s.Constraint.MaxSkew - 1);
            }

            raw[i] = (long)Math.Round(score, MidpointRounding.AwayFromZero);
            minScore = Math.Min(minScore, raw[i]);
            maxScore = Math.Max(maxScore, raw[i]);
        }

        for (var i = 0; i < feasible.Count; i++)
        {
            if (ignored[i])
            {
                raw[i] = 0;
            }
            else if (maxScore == 0)
            {
                raw[i] = MaxNodeScore;
            }
            else
            {
                raw[i] = MaxNodeScore * (maxScore + minScore - raw[i]) / maxScore;
            }
        }
    }
}
