using k8s.Models;

namespace Berth.Scheduler.Model;

/// <summary>
/// One node and the running totals of the pods on it (bound ones, and those assumed in this batch):
/// requested and non-zero-requested resources, pod count, used host ports. Mirrors kube-scheduler's
/// <c>framework.NodeInfo</c>.
/// </summary>
internal sealed class NodeInfo
{
    public const string NotReadyTaint = "node.kubernetes.io/not-ready";
    public const string UnreachableTaint = "node.kubernetes.io/unreachable";
    public const string UnschedulableTaint = "node.kubernetes.io/unschedulable";

    public NodeInfo(int index, V1Node node, bool readinessTaints)
    {
        Index = index;
        Node = node;
        Name = node.Metadata?.Name ?? "";
        Labels = node.Metadata?.Labels is { Count: > 0 } l
            ? new Dictionary<string, string>(l, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        Unschedulable = node.Spec?.Unschedulable ?? false;

        var taints = (node.Spec?.Taints ?? []).Select(t => new Taint(t.Key ?? "", t.Value ?? "", t.Effect ?? "")).ToList();
        if (readinessTaints)
        {
            // The node lifecycle controller taints a node whose Ready condition is False (not-ready) or
            // Unknown (unreachable), and TaintToleration keeps pods off it; do the same when it has not yet.
            var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status;
            var implied = ready switch
            {
                "True" => null,
                "False" => NotReadyTaint,
                _ => UnreachableTaint,
            };
            if (implied is not null && !taints.Any(t => t.Key == implied))
            {
                taints.Add(new Taint(implied, "", "NoSchedule"));
            }
        }

        ScheduleTaints = taints.Where(t => t.Effect is "NoSchedule" or "NoExecute").ToArray();
        PreferTaints = taints.Where(t => t.Effect == "PreferNoSchedule").ToArray();

        var alloc = node.Status?.Allocatable ?? node.Status?.Capacity;
        Allocatable.Add(alloc);
        AllowedPods = alloc is not null && alloc.TryGetValue(Resources.Pods, out var pods) ? (int)Resources.Value(pods) : 0;
    }

    public int Index { get; }

    public V1Node Node { get; }

    public string Name { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public bool Unschedulable { get; }

    /// <summary>NoSchedule and NoExecute taints, in the node's order, plus any implied readiness taint.</summary>
    public Taint[] ScheduleTaints { get; }

    public Taint[] PreferTaints { get; }

    public Resources Allocatable { get; } = new();

    public int AllowedPods { get; }

    public Resources Requested { get; } = new();

    public Resources NonZeroRequested { get; } = new();

    public List<PodInfo> Pods { get; } = [];

    public List<HostPort> UsedPorts { get; } = [];

    public void Add(PodInfo pod)
    {
        Pods.Add(pod);
        Requested.Add(pod.Requests);
        NonZeroRequested.Add(pod.NonZero);
        UsedPorts.AddRange(pod.HostPorts);
    }

    public void Remove(PodInfo pod)
    {
        if (!Pods.Remove(pod))
        {
            return;
        }

        Requested.Subtract(pod.Requests);
        NonZeroRequested.Subtract(pod.NonZero);
        foreach (var p in pod.HostPorts)
        {
            UsedPorts.Remove(p);
        }
    }
}
