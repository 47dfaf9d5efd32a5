using Berth.Scheduler.Matching;
using k8s.Models;

namespace Berth.Scheduler.Model;

/// <summary>
/// Everything the scheduler needs from one <see cref="V1Pod"/>, derived once: requests, ports, tolerations,
/// compiled selectors and affinity terms, spread constraints. Immutable except <see cref="NodeIndex"/>,
/// which <see cref="ClusterState"/> sets while the pod is placed on a node.
/// </summary>
internal sealed class PodInfo
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public PodInfo(V1Pod pod, NamespaceLabels namespaces)
    {
        Pod = pod;
        var meta = pod.Metadata ?? new V1ObjectMeta();
        var spec = pod.Spec ?? new V1PodSpec();
        Namespace = meta.NamespaceProperty ?? "default";
        Name = meta.Name ?? "";
        Uid = meta.Uid ?? "";
        Key = Namespace + "/" + Name;
        Labels = meta.Labels is { Count: > 0 } l ? new Dictionary<string, string>(l, StringComparer.Ordinal) : NoLabels;
        Priority = spec.Priority ?? 0;
        CreationTime = meta.CreationTimestamp ?? DateTime.MinValue;
        StartTime = pod.Status?.StartTime ?? CreationTime;
        SpecNodeName = spec.NodeName ?? "";
        NominatedNodeName = pod.Status?.NominatedNodeName ?? "";
        IsTerminating = meta.DeletionTimestamp is not null;
        PreemptNever = spec.PreemptionPolicy == "Never";
        SchedulingGated = spec.SchedulingGates is { Count: > 0 };

        Requests = PodRequests.Compute(spec, nonZero: false);
        NonZero = PodRequests.Compute(spec, nonZero: true);
        HostPorts = CollectHostPorts(spec);
        Tolerations = spec.Tolerations?.ToArray() ?? [];

        RequiredNodeAffinity = RequiredNodeAffinity.From(spec);
        PreferredNodeTerms = spec.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution?
            .Where(p => p.Weight != 0 && p.Preference is not null)
            .Select(p => new WeightedNodeTerm(new NodeSelectorTerm(p.Preference), p.Weight))
            .ToArray() ?? [];

        var pa = spec.Affinity?.PodAffinity;
        var paa = spec.Affinity?.PodAntiAffinity;
        RequiredAffinity = Terms(pa?.RequiredDuringSchedulingIgnoredDuringExecution, namespaces);
        RequiredAntiAffinity = Terms(paa?.RequiredDuringSchedulingIgnoredDuringExecution, namespaces);
        PreferredAffinity = Weighted(pa?.PreferredDuringSchedulingIgnoredDuringExecution, namespaces);
        PreferredAntiAffinity = Weighted(paa?.PreferredDuringSchedulingIgnoredDuringExecution, namespaces);

        var spread = spec.TopologySpreadConstraints?.Select(c => new SpreadConstraint(
            c.MaxSkew,
            c.TopologyKey ?? "",
            c.WhenUnsatisfiable != "ScheduleAnyway",
            LabelSelector.From(c.LabelSelector, Labels, c.MatchLabelKeys),
            c.MinDomains,
            c.NodeAffinityPolicy != "Ignore",
            c.NodeTaintsPolicy == "Honor")).ToArray() ?? [];
        HardSpread = spread.Where(c => c.DoNotSchedule).ToArray();
        SoftSpread = spread.Where(c => !c.DoNotSchedule).ToArray();
    }

    public V1Pod Pod { get; }

    public string Namespace { get; }

    public string Name { get; }

    public string Uid { get; }

    /// <summary><c>namespace/name</c>.</summary>
    public string Key { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public int Priority { get; }

    public DateTime CreationTime { get; }

    public DateTime StartTime { get; }

    public string SpecNodeName { get; }

    public string NominatedNodeName { get; }

    public bool IsTerminating { get; }

    public bool PreemptNever { get; }

    public bool SchedulingGated { get; }

    /// <summary>Requests as fit checks them (containers, init containers, overhead).</summary>
    public Resources Requests { get; }

    /// <summary>Requests as scoring counts them: unset cpu/memory replaced by 100m / 200Mi per container.</summary>
    public Resources NonZero { get; }

    public HostPort[] HostPorts { get; }

    public V1Toleration[] Tolerations { get; }

    public RequiredNodeAffinity? RequiredNodeAffinity { get; }

    public WeightedNodeTerm[] PreferredNodeTerms { get; }

    public AffinityTerm[] RequiredAffinity { get; }

    public AffinityTerm[] RequiredAntiAffinity { get; }

    public WeightedAffinityTerm[] PreferredAffinity { get; }

    public WeightedAffinityTerm[] PreferredAntiAffinity { get; }

    public SpreadConstraint[] HardSpread { get; }

    public SpreadConstraint[] SoftSpread { get; }

    /// <summary>Whether the pod carries any term that existing-pod indexes must remember while it sits on a node.</summary>
    public bool HasAffinityTerms =>
        RequiredAffinity.Length > 0 || RequiredAntiAffinity.Length > 0 || PreferredAffinity.Length > 0 || PreferredAntiAffinity.Length > 0;

    /// <summary>Index of the node the pod is on (bound, or assumed in this batch); -1 when none.</summary>
    public int NodeIndex { get; set; } = -1;

    public bool MatchesNodeAffinity(NodeInfo node) => RequiredNodeAffinity?.Matches(node.Name, node.Labels) ?? true;

    /// <summary>Whether every NoSchedule/NoExecute taint of the node is tolerated (nodeTaintsPolicy: Honor).</summary>
    public bool ToleratesScheduleTaints(NodeInfo node)
    {
        foreach (var t in node.ScheduleTaints)
        {
            if (!TaintMatcher.AnyTolerates(Tolerations, t.Key, t.Value, t.Effect))
            {
                return false;
            }
        }

        return true;
    }

    private AffinityTerm[] Terms(IList<V1PodAffinityTerm>? terms, NamespaceLabels namespaces) =>
        terms?.Select(t => new AffinityTerm(t, Namespace, Labels, namespaces)).ToArray() ?? [];

    private WeightedAffinityTerm[] Weighted(IList<V1WeightedPodAffinityTerm>? terms, NamespaceLabels namespaces) =>
        terms?.Where(t => t.PodAffinityTerm is not null)
            .Select(t => new WeightedAffinityTerm(new AffinityTerm(t.PodAffinityTerm, Namespace, Labels, namespaces), t.Weight))
            .ToArray() ?? [];

    private static HostPort[] CollectHostPorts(V1PodSpec spec)
    {
        var containers = (spec.Containers ?? []).Concat((spec.InitContainers ?? []).Where(c => c.RestartPolicy == "Always"));
        var ports = new List<HostPort>();
        foreach (var c in containers)
        {
            foreach (var p in c.Ports ?? [])
            {
                if (p.HostPort is > 0 and var hp)
                {
                    ports.Add(new HostPort(string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol, string.IsNullOrEmpty(p.HostIP) ? HostPort.AnyIp : p.HostIP, hp));
                }
            }
        }

        return [.. ports];
    }
}
