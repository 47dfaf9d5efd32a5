using k8s.Models;

namespace Berth.Scheduler.Tests;

/// <summary>Terse builders for the Node and Pod objects the tests feed the scheduler (KWOK-style: no agents).</summary>
internal static class Build
{
    public static V1Node Node(
        string name,
        string cpu = "4",
        string memory = "8Gi",
        int pods = 110,
        string? ephemeral = null,
        Dictionary<string, string>? labels = null,
        IEnumerable<V1Taint>? taints = null,
        bool unschedulable = false,
        string ready = "True",
        Dictionary<string, string>? extra = null)
    {
        var alloc = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(cpu),
            ["memory"] = new(memory),
            ["pods"] = new(pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (ephemeral is not null)
        {
            alloc["ephemeral-storage"] = new(ephemeral);
        }

        foreach (var (k, v) in extra ?? [])
        {
            alloc[k] = new(v);
        }

        var l = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name };
        foreach (var (k, v) in labels ?? [])
        {
            l[k] = v;
        }

        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = l },
            Spec = new V1NodeSpec { Taints = taints?.ToList(), Unschedulable = unschedulable ? true : null },
            Status = new V1NodeStatus
            {
                Allocatable = alloc,
                Capacity = alloc,
                Conditions = ready is null ? null : [new V1NodeCondition { Type = "Ready", Status = ready }],
            },
        };
    }

    public static V1Taint Taint(string key, string value = "", string effect = "NoSchedule") => new() { Key = key, Value = value, Effect = effect };

    public static V1Toleration Toleration(string? key, string? op = "Equal", string? value = null, string? effect = null) =>
        new() { Key = key, OperatorProperty = op, Value = value, Effect = effect };

    public static V1Pod Pod(
        string name,
        string? cpu = null,
        string? memory = null,
        string ns = "default",
        Dictionary<string, string>? labels = null,
        string? nodeName = null,
        int? priority = null,
        DateTime? created = null,
        Action<V1PodSpec>? spec = null,
        Dictionary<string, string>? extra = null)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        if (cpu is not null)
        {
            requests["cpu"] = new(cpu);
        }

        if (memory is not null)
        {
            requests["memory"] = new(memory);
        }

        foreach (var (k, v) in extra ?? [])
        {
            requests[k] = new(v);
        }

        var s = new V1PodSpec
        {
            Containers = [new V1Container { Name = "c", Image = "busybox", Resources = new V1ResourceRequirements { Requests = requests } }],
            NodeName = nodeName,
            Priority = priority,
        };
        spec?.Invoke(s);
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Uid = "uid-" + name,
                Labels = labels,
                CreationTimestamp = created ?? new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            },
            Spec = s,
            Status = new V1PodStatus { Phase = nodeName is null ? "Pending" : "Running" },
        };
    }

    public static V1LabelSelector Selector(params (string Key, string Value)[] labels) =>
        new() { MatchLabels = labels.ToDictionary(l => l.Key, l => l.Value) };

    public static V1PodAffinityTerm Term(string topologyKey, params (string Key, string Value)[] labels) =>
        new() { TopologyKey = topologyKey, LabelSelector = Selector(labels) };

    public static Dictionary<string, string> Labels(params (string Key, string Value)[] labels) => labels.ToDictionary(l => l.Key, l => l.Value);

    /// <summary>Schedules the pods onto a cluster made of the nodes and placed pods.</summary>
    public static ScheduleResult Run(IEnumerable<V1Node> nodes, IEnumerable<V1Pod> placed, IEnumerable<V1Pod> pending, SchedulerConfig? config = null) =>
        PodScheduler.Schedule(new ClusterSnapshot(nodes.ToList(), placed.ToList()), pending.ToList(), config ?? new SchedulerConfig { PercentageOfNodesToScore = 100 });

    public static SchedulingDecision One(IEnumerable<V1Node> nodes, IEnumerable<V1Pod> placed, V1Pod pod, SchedulerConfig? config = null) =>
        Run(nodes, placed, [pod], config).Decisions.Single();
}
