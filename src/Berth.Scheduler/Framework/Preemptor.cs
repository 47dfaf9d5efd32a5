using Berth.Scheduler.Model;

namespace Berth.Scheduler.Framework;

/// <summary>
/// DefaultPreemption (PostFilter), after kube-scheduler's <c>framework/preemption</c> and
/// <c>plugins/defaultpreemption</c>: for a pod that fits nowhere, look at the nodes whose rejection removing
/// pods could cure, dry-run removing every lower-priority pod there, reprieve as many as still leave room (most
/// important first), and pick the node whose victims matter least. PodDisruptionBudgets are not considered
/// (the snapshot carries none).
/// </summary>
internal static class Preemptor
{
    public sealed record Outcome(string? Message, NodeInfo? Node, List<PodInfo>? Victims);

    public static Outcome Preempt(PodCycle cycle, NodeStatus?[] statuses, Random random)
    {
        var pod = cycle.Pod;
        var state = cycle.State;
        if (pod.PreemptNever)
        {
            return new Outcome("preemption: " + Messages.PreemptNever, null, null);
        }

        if (pod.NominatedNodeName.Length > 0 && state.NodesByName.TryGetValue(pod.NominatedNodeName, out var nominated)
            && statuses[nominated.Index] is not { Unresolvable: true })
        {
            foreach (var p in nominated.Pods)
            {
                if (p.Priority < pod.Priority && p.IsTerminating)
                {
                    return new Outcome("preemption: " + Messages.TerminatingOnNominated, null, null);
                }
            }
        }

        var potential = state.Nodes.Where(n => statuses[n.Index] is { Unresolvable: false }).ToList();
        var dryRun = new NodeStatus?[state.Nodes.Length];
        var candidates = new List<(NodeInfo Node, List<PodInfo> Victims)>();
        if (potential.Count > 0)
        {
            // GetOffsetAndNumCandidates: a random start, and stop after max(10% of the nodes, 100) candidates.
            var offset = random.Next(potential.Count);
            var wanted = Math.Min(potential.Count, Math.Max(potential.Count / 10, 100));
            for (var i = 0; i < potential.Count && candidates.Count < wanted; i++)
            {
                var node = potential[(offset + i) % potential.Count];
                var (victims, status) = SelectVictims(cycle, node);
                if (victims is not null)
                {
                    candidates.Add((node, victims));
                }
                else
                {
                    dryRun[node.Index] = status;
                }
            }
        }

        if (candidates.Count == 0)
        {
            for (var i = 0; i < dryRun.Length; i++)
            {
                dryRun[i] ??= Messages.PreemptionNotHelpfulStatus;
            }

            return new Outcome("preemption: " + Messages.FitError(state.Nodes.Length, dryRun, null, null), null, null);
        }

        var best = Pick(candidates);
        return new Outcome(null, best.Node, best.Victims);
    }

    /// <summary><c>SelectVictimsOnNode</c>: remove all lower-priority pods, check the pod fits, then reprieve.</summary>
    private static (List<PodInfo>? Victims, NodeStatus? Status) SelectVictims(PodCycle cycle, NodeInfo node)
    {
        var pod = cycle.Pod;
        var lower = node.Pods.Where(p => p.Priority < pod.Priority).ToList();
        if (lower.Count == 0)
        {
            return (null, Messages.NoVictimsStatus);
        }

        var trial = cycle.Clone();
        foreach (var v in lower)
        {
            trial.AdjustFor(v, node, -1);
        }

        var removed = new List<PodInfo>(lower);
        var status = Filters.Run(trial, node, removed);
        if (status is not null)
        {
            return (null, status);
        }

        // Most important first: higher priority, then earlier start.
        lower.Sort((a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : a.StartTime.CompareTo(b.StartTime));
        var victims = new List<PodInfo>();
        foreach (var p in lower)
        {
            trial.AdjustFor(p, node, +1);
            removed.Remove(p);
            if (Filters.Run(trial, node, removed) is not null)
            {
                trial.AdjustFor(p, node, -1);
                removed.Add(p);
                victims.Add(p);
            }
        }

        return (victims, null);
    }

    /// <summary>
    /// <c>pickOneNodeForPreemption</c> without PDBs: lowest highest-victim priority, then lowest sum of priorities,
    /// then fewest victims, then the latest start among the highest-priority victims, then the first.
    /// </summary>
    private static (NodeInfo Node, List<PodInfo> Victims) Pick(List<(NodeInfo Node, List<PodInfo> Victims)> candidates)
    {
        IEnumerable<(NodeInfo Node, List<PodInfo> Victims)> set = candidates;
        set = Keep(set, c => -(long)HighestPriority(c.Victims));
        set = Keep(set, c => -c.Victims.Sum(v => (long)v.Priority + int.MaxValue + 1));
        set = Keep(set, c => -c.Victims.Count);
        set = Keep(set, c => EarliestStartOfHighest(c.Victims).Ticks);
        return set.First();
    }

    private static List<(NodeInfo Node, List<PodInfo> Victims)> Keep(
        IEnumerable<(NodeInfo Node, List<PodInfo> Victims)> set, Func<(NodeInfo Node, List<PodInfo> Victims), long> score)
    {
        var list = set.ToList();
        var best = list.Max(score);
        return list.Where(c => score(c) == best).ToList();
    }

    private static int HighestPriority(List<PodInfo> victims) => victims.Count == 0 ? int.MinValue : victims.Max(v => v.Priority);

    private static DateTime EarliestStartOfHighest(List<PodInfo> victims)
    {
        if (victims.Count == 0)
        {
            return DateTime.MaxValue;
        }

        var top = HighestPriority(victims);
        return victims.Where(v => v.Priority == top).Min(v => v.StartTime);
    }
}
