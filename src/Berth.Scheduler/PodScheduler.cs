using Berth.Scheduler.Framework;
using Berth.Scheduler.Model;
using k8s.Models;

namespace Berth.Scheduler;

/// <summary>
/// The scheduler as a pure function: cluster snapshot + pending pods → bindings and explained failures.
/// <code>
///   pending pods ──sort (priority desc, creation asc)──► for each pod:
///     PreFilter (PodCycle: pinned nodes, spread and affinity counts from ClusterState's indexes)
///     Filter nodes from a rotating start until enough feasible (percentageOfNodesToScore) or all seen
///       ├─ none feasible ─► PostFilter (DefaultPreemption) ─► SchedulingFailure (message, per-node reasons)
///       └─ feasible ─► Score (weighted plugins) ─► pick the best (seeded among equals)
///     Assume: place the pod in ClusterState so later pods of the batch see it
/// </code>
/// Same inputs and <see cref="SchedulerConfig.Seed"/> give the same result.
/// </summary>
public static class PodScheduler
{
    private const int MinFeasibleNodesToFind = 100;
    private const int MinFeasibleNodesPercentageToFind = 5;

    public static ScheduleResult Schedule(ClusterSnapshot snapshot, IReadOnlyList<V1Pod> pending, SchedulerConfig? config = null)
    {
        config ??= SchedulerConfig.Default;
        return Schedule(ClusterState.FromSnapshot(snapshot, config), pending, config);
    }

    /// <summary>
    /// Schedules <paramref name="pending"/> against <paramref name="state"/>, which is updated with every binding
    /// and preemption made, so a caller may keep it for the next batch instead of rebuilding it.
    /// </summary>
    public static ScheduleResult Schedule(ClusterState state, IReadOnlyList<V1Pod> pending, SchedulerConfig? config = null)
    {
        config ??= SchedulerConfig.Default;
        var random = new Random(config.Seed);
        var scorer = new Scorer(config);
        var pods = pending.Select(state.Compile).ToList();
        pods.Sort(QueueOrder);

        var statuses = new NodeStatus?[state.Nodes.Length];
        var feasible = new List<NodeInfo>();
        var decisions = new List<SchedulingDecision>(pods.Count);
        foreach (var pod in pods)
        {
            decisions.Add(ScheduleOne(state, pod, config, scorer, random, statuses, feasible, decisions.Count));
        }

        return new ScheduleResult(decisions);
    }

    /// <summary>PrioritySort: higher priority first, then earlier creation; then name, for a stable order.</summary>
    private static int QueueOrder(PodInfo a, PodInfo b)
    {
        if (a.Priority != b.Priority)
        {
            return b.Priority.CompareTo(a.Priority);
        }

        var t = a.CreationTime.CompareTo(b.CreationTime);
        return t != 0 ? t : string.CompareOrdinal(a.Key, b.Key);
    }

    /// <summary>kube-scheduler's <c>numFeasibleNodesToFind</c>.</summary>
    internal static int NumFeasibleNodesToFind(int percentage, int allNodes)
    {
        if (allNodes < MinFeasibleNodesToFind || percentage >= 100)
        {
            return allNodes;
        }

        if (percentage <= 0)
        {
            percentage = Math.Max(50 - (allNodes / 125), MinFeasibleNodesPercentageToFind);
        }

        return Math.Max(allNodes * percentage / 100, MinFeasibleNodesToFind);
    }

    private static SchedulingDecision ScheduleOne(
        ClusterState state, PodInfo pod, SchedulerConfig config, Scorer scorer, Random random,
        NodeStatus?[] statuses, List<NodeInfo> feasible, int order)
    {
        if (pod.SchedulingGated)
        {
            return Fail(order, pod, SchedulingFailure.SchedulingGated, Messages.Gated, null, state, null);
        }

        // A pending pod is on no node: drop a reservation left by an earlier batch's preemption (or a stale entry).
        if (state.FindPlaced(pod.Key) is { } previous)
        {
            state.Remove(previous);
        }

        var nodes = state.Nodes;
        if (nodes.Length == 0)
        {
            return Fail(order, pod, SchedulingFailure.Unschedulable, Messages.NoNodes, null, state, null);
        }

        var cycle = PodCycle.Build(state, pod);
        Array.Clear(statuses);
        feasible.Clear();

        if (cycle.PreFilterRejection is not null)
        {
            Array.Fill(statuses, new NodeStatus(true, cycle.PreFilterRejection));
            return Unschedulable(order, cycle, config, random, statuses, cycle.PreFilterRejection);
        }

        // A pod nominated by an earlier preemption tries its nominated node first.
        if (pod.NominatedNodeName.Length > 0 && state.NodesByName.TryGetValue(pod.NominatedNodeName, out var nominated)
            && (cycle.PinnedNodes is null || cycle.PinnedNodes.Contains(nominated.Name))
            && Filters.Run(cycle, nominated) is null)
        {
            return Bind(order, state, pod, nominated);
        }

        var toFind = NumFeasibleNodesToFind(config.PercentageOfNodesToScore, nodes.Length);
        var start = state.NextStartNodeIndex % nodes.Length;
        var processed = 0;
        for (var i = 0; i < nodes.Length; i++)
        {
            var node = nodes[(start + i) % nodes.Length];
            processed++;
            if (cycle.PinnedNodes is not null && !cycle.PinnedNodes.Contains(node.Name))
            {
                statuses[node.Index] = Messages.NodeAffinityPreFilterStatus;
                continue;
            }

            var status = Filters.Run(cycle, node);
            if (status is null)
            {
                feasible.Add(node);
                if (feasible.Count >= toFind)
                {
                    break;
                }
            }
            else
            {
                statuses[node.Index] = status;
            }
        }

        state.NextStartNodeIndex = (start + processed) % nodes.Length;

        if (feasible.Count == 0)
        {
            return Unschedulable(order, cycle, config, random, statuses, null);
        }

        var chosen = feasible.Count == 1 ? feasible[0] : SelectHost(scorer.Score(cycle, feasible), feasible, random);
        return Bind(order, state, pod, chosen);
    }

    /// <summary>kube-scheduler's <c>selectHost</c>: the highest total, reservoir-sampled among equals.</summary>
    private static NodeInfo SelectHost(long[] scores, List<NodeInfo> feasible, Random random)
    {
        var best = 0;
        var max = scores[0];
        var ties = 1;
        for (var i = 1; i < scores.Length; i++)
        {
            if (scores[i] > max)
            {
                max = scores[i];
                best = i;
                ties = 1;
            }
            else if (scores[i] == max)
            {
                ties++;
                if (random.Next(ties) == 0)
                {
                    best = i;
                }
            }
        }

        return feasible[best];
    }

    private static SchedulingDecision Bind(int order, ClusterState state, PodInfo pod, NodeInfo node)
    {
        state.Place(pod, node);
        return new SchedulingDecision(order, pod.Pod, new PodBinding(pod.Namespace, pod.Name, pod.Uid, node.Name), null);
    }

    private static SchedulingDecision Unschedulable(
        int order, PodCycle cycle, SchedulerConfig config, Random random, NodeStatus?[] statuses, string? preFilterMessage)
    {
        var state = cycle.State;
        string? postFilter = null;
        PreemptionDecision? preemption = null;
        if (config.EnablePreemption)
        {
            var outcome = Preemptor.Preempt(cycle, statuses, random);
            postFilter = outcome.Message;
            if (outcome.Node is not null)
            {
                foreach (var v in outcome.Victims!)
                {
                    state.Remove(v);
                }

                // Reserve the room: later pods of this batch must not take what the victims free.
                state.Place(cycle.Pod, outcome.Node);
                preemption = new PreemptionDecision(
                    outcome.Node.Name,
                    outcome.Victims.Select(v => new PodRef(v.Namespace, v.Name, v.Uid)).ToList());
            }
        }

        var message = Messages.FitError(state.Nodes.Length, statuses, preFilterMessage, postFilter);
        return Fail(order, cycle.Pod, SchedulingFailure.Unschedulable, message, statuses, state, preemption);
    }

    private static SchedulingDecision Fail(
        int order, PodInfo pod, string reason, string message, NodeStatus?[]? statuses, ClusterState state, PreemptionDecision? preemption)
    {
        var nodeReasons = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (statuses is not null)
        {
            foreach (var n in state.Nodes)
            {
                if (statuses[n.Index] is { } s)
                {
                    nodeReasons[n.Name] = s.Reasons;
                }
            }
        }

        return new SchedulingDecision(order, pod.Pod, null, new SchedulingFailure(pod.Namespace, pod.Name, pod.Uid, reason, message, nodeReasons, preemption));
    }
}
