using k8s.Models;

namespace Berth.Scheduler.Tests.Property;

/// <summary>
/// A seeded generator of small clusters and pending pods that exercise every filter: resources, pod counts,
/// taints (and not-ready nodes), unschedulable nodes, node selectors and affinity (all operators), host ports,
/// pod affinity and anti-affinity, hard spread constraints, node names, priorities.
/// </summary>
internal sealed class ClusterGenerator(int seed)
{
    private static readonly string[] Zones = ["a", "b", "c"];
    private static readonly string[] Apps = ["web", "db", "cache"];
    private readonly Random _r = new(seed);

    public (List<V1Node> Nodes, List<V1Pod> Placed, List<V1Pod> Pending) Next()
    {
        var nodes = Enumerable.Range(0, _r.Next(1, 10)).Select(NextNode).ToList();
        var placed = new List<V1Pod>();
        for (var i = 0; i < _r.Next(0, 15); i++)
        {
            var pod = NextPod($"placed-{i}");
            pod.Spec.NodeName = nodes[_r.Next(nodes.Count)].Metadata.Name;
            pod.Status.Phase = "Running";
            if (_r.Next(10) == 0)
            {
                pod.Metadata.DeletionTimestamp = new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc);
            }

            placed.Add(pod);
        }

        var pending = Enumerable.Range(0, _r.Next(1, 20)).Select(i => NextPod($"pending-{i}")).ToList();
        return (nodes, placed, pending);
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_r.Next(items.Count)];

    private bool Chance(int percent) => _r.Next(100) < percent;

    private V1Node NextNode(int i)
    {
        var labels = new Dictionary<string, string>();
        if (!Chance(10))
        {
            labels["zone"] = Pick(Zones);
        }

        if (Chance(50))
        {
            labels["disk"] = Pick(new[] { "ssd", "hdd" });
        }

        labels["cores"] = Pick(new[] { "2", "4", "8" });
        var taints = new List<V1Taint>();
        if (Chance(20))
        {
            taints.Add(Build.Taint("dedicated", Pick(new[] { "gpu", "db" }), Pick(new[] { "NoSchedule", "NoExecute" })));
        }

        if (Chance(20))
        {
            taints.Add(Build.Taint("spot", "true", "PreferNoSchedule"));
        }

        return Build.Node(
            $"node-{i}",
            cpu: Pick(new[] { "1", "2", "4" }),
            memory: Pick(new[] { "1Gi", "2Gi", "4Gi" }),
            pods: _r.Next(2, 8),
            labels: labels,
            taints: taints,
            unschedulable: Chance(8),
            ready: Chance(8) ? Pick(new[] { "False", "Unknown" }) : "True");
    }

    private V1Pod NextPod(string name)
    {
        var app = Pick(Apps);
        var pod = Build.Pod(
            name,
            cpu: Chance(15) ? null : Pick(new[] { "100m", "250m", "500m", "1", "2" }),
            memory: Chance(15) ? null : Pick(new[] { "64Mi", "256Mi", "512Mi", "1Gi" }),
            ns: Chance(80) ? "default" : "other",
            labels: new Dictionary<string, string> { ["app"] = app },
            priority: Chance(30) ? _r.Next(0, 3) * 100 : null,
            created: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(_r.Next(1000)));
        var spec = pod.Spec;

        if (Chance(15))
        {
            spec.InitContainers = [new V1Container { Name = "init", Image = "x", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(Pick(new[] { "500m", "1500m" })) } } }];
        }

        if (Chance(20))
        {
            spec.Tolerations = [Build.Toleration(Pick(new[] { "dedicated", "node.kubernetes.io/not-ready", "node.kubernetes.io/unschedulable" }), "Exists")];
        }

        if (Chance(15))
        {
            spec.NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" };
        }

        if (Chance(20))
        {
            var op = Pick(new[] { "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt" });
            var req = op switch
            {
                "In" or "NotIn" => new V1NodeSelectorRequirement { Key = "zone", OperatorProperty = op, Values = [Pick(Zones)] },
                "Gt" or "Lt" => new V1NodeSelectorRequirement { Key = "cores", OperatorProperty = op, Values = [Pick(new[] { "2", "4" })] },
                _ => new V1NodeSelectorRequirement { Key = "disk", OperatorProperty = op },
            };
            var terms = new List<V1NodeSelectorTerm> { new() { MatchExpressions = [req] } };
            if (Chance(20))
            {
                terms.Add(new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [$"node-{_r.Next(5)}"] }] });
            }

            spec.Affinity ??= new V1Affinity();
            spec.Affinity.NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = terms } };
        }

        if (Chance(10))
        {
            spec.Affinity ??= new V1Affinity();
            spec.Affinity.NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [$"node-{_r.Next(5)}"] }] }],
                },
            };
        }

        if (Chance(15))
        {
            spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = Pick(new[] { 8080, 8081 }) }];
        }

        if (Chance(20))
        {
            spec.Affinity ??= new V1Affinity();
            spec.Affinity.PodAntiAffinity = new V1PodAntiAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term(Pick(new[] { "kubernetes.io/hostname", "zone" }), ("app", Pick(Apps)))],
            };
        }

        if (Chance(12))
        {
            spec.Affinity ??= new V1Affinity();
            spec.Affinity.PodAffinity = new V1PodAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term(Pick(new[] { "kubernetes.io/hostname", "zone" }), ("app", Pick(Apps)))],
            };
        }

        if (Chance(20))
        {
            spec.TopologySpreadConstraints =
            [
                new V1TopologySpreadConstraint
                {
                    MaxSkew = _r.Next(1, 3),
                    TopologyKey = Pick(new[] { "kubernetes.io/hostname", "zone" }),
                    WhenUnsatisfiable = Chance(80) ? "DoNotSchedule" : "ScheduleAnyway",
                    LabelSelector = Build.Selector(("app", app)),
                    MinDomains = Chance(20) ? 4 : null,
                },
            ];
        }

        if (Chance(5))
        {
            spec.NodeName = $"node-{_r.Next(4)}";
        }

        return pod;
    }
}
