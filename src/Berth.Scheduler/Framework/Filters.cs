using Berth.Scheduler.Matching;
using Berth.Scheduler.Model;

namespace Berth.Scheduler.Framework;

/// <summary>
/// The Filter plugins, run in kube-scheduler's default order; the first that rejects a node decides its status
/// (<c>RunFilterPlugins</c> stops there): NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
/// NodeResourcesFit, PodTopologySpread, InterPodAffinity.
/// </summary>
internal static class Filters
{
    private static readonly NodeStatus?[] FitStatuses = BuildFitStatuses();

    /// <summary>
    /// Runs every filter for <paramref name="cycle"/>'s pod on <paramref name="node"/>; null when the node fits.
    /// <paramref name="removed"/> lists pods on the node to treat as gone (preemption's dry run).
    /// </summary>
    public static NodeStatus? Run(PodCycle cycle, NodeInfo node, IReadOnlyList<PodInfo>? removed = null)
    {
        var pod = cycle.Pod;

        if (node.Unschedulable && !TaintMatcher.AnyTolerates(pod.Tolerations, NodeInfo.UnschedulableTaint, "", "NoSchedule"))
        {
            return Messages.NodeUnschedulableStatus;
        }

        if (pod.SpecNodeName.Length > 0 && pod.SpecNodeName != node.Name)
        {
            return Messages.NodeNameStatus;
        }

        foreach (var t in node.ScheduleTaints)
        {
            if (!TaintMatcher.AnyTolerates(pod.Tolerations, t.Key, t.Value, t.Effect))
            {
                return TaintStatus(t);
            }
        }

        if (!pod.MatchesNodeAffinity(node))
        {
            return Messages.NodeAffinityStatus;
        }

        if (pod.HostPorts.Length > 0 && !PortsFit(pod, node, removed))
        {
            return Messages.NodePortsStatus;
        }

        var fit = ResourcesFit(pod, node, removed);
        if (fit is not null)
        {
            return fit;
        }

        if (cycle.Spread.Length > 0)
        {
            var s = SpreadFits(cycle, node);
            if (s is not null)
            {
                return s;
            }
        }

        return InterPodAffinityFits(cycle, node);
    }

    private static NodeStatus TaintStatus(Taint t) => t.Status ??= new NodeStatus(true, t.Reason);

    private static bool PortsFit(PodInfo pod, NodeInfo node, IReadOnlyList<PodInfo>? removed)
    {
        IEnumerable<HostPort> used = node.UsedPorts;
        if (removed is { Count: > 0 })
        {
            var left = new List<HostPort>(node.UsedPorts);
            foreach (var r in removed)
            {
                foreach (var p in r.HostPorts)
                {
                    left.Remove(p);
                }
            }

            used = left;
        }

        foreach (var want in pod.HostPorts)
        {
            foreach (var u in used)
            {
                if (want.ConflictsWith(u))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>NodeResourcesFit's <c>fitsRequest</c>: pod count, then cpu, memory, ephemeral-storage and scalar resources.</summary>
    public static NodeStatus? ResourcesFit(PodInfo pod, NodeInfo node, IReadOnlyList<PodInfo>? removed)
    {
        var podCount = node.Pods.Count;
        var req = node.Requested;
        if (removed is { Count: > 0 })
        {
            podCount -= removed.Count;
            req = req.Clone();
            foreach (var r in removed)
            {
                req.Subtract(r.Requests);
            }
        }

        var mask = 0;
        if (podCount + 1 > node.AllowedPods)
        {
            mask |= 1;
        }

        var want = pod.Requests;
        if (want.IsZero)
        {
            return FitStatuses[mask];
        }

        var alloc = node.Allocatable;
        if (want.MilliCpu > 0 && want.MilliCpu > alloc.MilliCpu - req.MilliCpu)
        {
            mask |= 2;
        }

        if (want.Memory > 0 && want.Memory > alloc.Memory - req.Memory)
        {
            mask |= 4;
        }

        if (want.EphemeralStorage > 0 && want.EphemeralStorage > alloc.EphemeralStorage - req.EphemeralStorage)
        {
            mask |= 8;
        }

        List<string>? scalars = null;
        if (want.Scalars is not null)
        {
            foreach (var (name, q) in want.Scalars)
            {
                if (q != 0 && q > alloc.Scalar(name) - req.Scalar(name))
                {
                    (scalars ??= []).Add(Messages.InsufficientPrefix + name);
                }
            }
        }

        if (scalars is null)
        {
            return FitStatuses[mask];
        }

        var reasons = FitStatuses[mask]?.Reasons.ToList() ?? [];
        reasons.AddRange(scalars);
        return new NodeStatus(false, [.. reasons]);
    }

    private static NodeStatus?[] BuildFitStatuses()
    {
        var result = new NodeStatus?[16];
        for (var m = 1; m < 16; m++)
        {
            var r = new List<string>();
            if ((m & 1) != 0)
            {
                r.Add(Messages.TooManyPods);
            }

            if ((m & 2) != 0)
            {
                r.Add(Messages.InsufficientPrefix + "cpu");
            }

            if ((m & 4) != 0)
            {
                r.Add(Messages.InsufficientPrefix + "memory");
            }

            if ((m & 8) != 0)
            {
                r.Add(Messages.InsufficientPrefix + "ephemeral-storage");
            }

            result[m] = new NodeStatus(false, [.. r]);
        }

        return result;
    }

    /// <summary>PodTopologySpread Filter: <c>matching pods in the node's domain + self-match − global minimum ≤ maxSkew</c>.</summary>
    private static NodeStatus? SpreadFits(PodCycle cycle, NodeInfo node)
    {
        foreach (var s in cycle.Spread)
        {
            var d = s.Topology.DomainOf[node.Index];
            if (d < 0)
            {
                return Messages.SpreadMissingLabelStatus;
            }

            long match = s.Present[d] ? s.Counts[d] : 0;
            var skew = match + (s.SelfMatch ? 1 : 0) - s.MinMatch;
            if (skew > s.Constraint.MaxSkew)
            {
                return Messages.SpreadStatus;
            }
        }

        return null;
    }

    /// <summary>InterPodAffinity Filter: the pod's affinity, then its anti-affinity, then existing pods' anti-affinity.</summary>
    private static NodeStatus? InterPodAffinityFits(PodCycle cycle, NodeInfo node)
    {
        var n = node.Index;
        if (cycle.Affinity.Length > 0)
        {
            var podsExist = true;
            foreach (var a in cycle.Affinity)
            {
                var d = a.Topology.DomainOf[n];
                if (d < 0)
                {
                    return Messages.AffinityStatus;
                }

                if (a.Counts[d] <= 0)
                {
                    podsExist = false;
                }
            }

            // The first pod of a group with affinity to itself may go anywhere its terms' keys exist.
            if (!podsExist && !(cycle.AffinityEmpty && cycle.SelfMatchesAffinity))
            {
                return Messages.AffinityStatus;
            }
        }

        foreach (var a in cycle.Anti)
        {
            if (a.At(n) > 0)
            {
                return Messages.AntiAffinityStatus;
            }
        }

        foreach (var a in cycle.ExistingAnti)
        {
            if (a.At(n) > 0)
            {
                return Messages.ExistingAntiAffinityStatus;
            }
        }

        return null;
    }
}
