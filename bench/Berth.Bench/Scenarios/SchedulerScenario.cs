using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Berth.Scheduler;
using k8s.Models;

namespace Berth.Bench.Scenarios;

/// <summary>
/// <c>bench/run scheduler --nodes 5000 --pods 10000</c>: in-process scheduling throughput, like Kubernetes'
/// scheduler_perf (SchedulingBasic, TopologySpreading, SchedulingPodAntiAffinity), with no API in the way.
/// Nodes look like scheduler_perf's node-default (4 cpu, 32Gi, 110 pods) spread over 3 zones. Three workloads
/// of <c>--pods</c> pending pods each, on a fresh cluster each: plain pods (100m, 500Mi); pods with a
/// DoNotSchedule zone spread constraint (maxSkew 1); pods in groups of 100 with required anti-affinity
/// to their own group on the hostname key. The figure is pods bound per second of <c>PodScheduler.Schedule</c>
/// (the snapshot → state build is timed separately); a small warm-up batch runs first so JIT is not counted.
/// </summary>
public sealed class SchedulerScenario : IScenario
{
    public string Name => "scheduler";

    public string Description => "scheduler throughput in-process: plain, topology spread, anti-affinity (--nodes N --pods N [--seed N] [--scoring least|most])";

    public Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var nodes = 5000;
        var pods = 10000;
        var seed = 1;
        var scoring = ScoringStrategy.LeastAllocated;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--nodes": nodes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--pods": pods = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--scoring": scoring = args[++i] == "most" ? ScoringStrategy.MostAllocated : ScoringStrategy.LeastAllocated; break;
                default:
                    Console.Error.WriteLine($"scheduler: unknown option {args[i]}");
                    return Task.FromResult(2);
            }
        }

        var config = new SchedulerConfig { Seed = seed, Scoring = scoring };
        foreach (var w in Workloads)
        {
            Measure(w, 200, 500, config);
        }

        var rows = Workloads.Select(w => Measure(w, nodes, pods, config)).ToList();
        Console.WriteLine($"scheduler: {nodes} nodes, {pods} pending pods per workload, scoring {scoring}, {Environment.ProcessorCount} cores");
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}: pods/s is per CPU second of the process (wall figures shift with the machine's load)");
        Console.WriteLine($"{"workload",-14} {"bound",7} {"failed",7} {"cpu s",8} {"pods/s",9} {"wall s",8} {"pods/wall s",12} {"state build ms",15}");
        foreach (var r in rows)
        {
            Console.WriteLine($"{r.Name,-14} {r.Bound,7} {r.Failed,7} {r.CpuSeconds,8:F3} {r.PodsPerSecond,9:F0} {r.WallSeconds,8:F3} {r.PodsPerWallSecond,12:F0} {r.BuildMs,15:F0}");
        }

        var json = new Dictionary<string, object>
        {
            ["scenario"] = "scheduler",
            ["nodes"] = nodes,
            ["pods"] = pods,
            ["scoring"] = scoring.ToString(),
            ["podsPerSecond"] = Math.Round(rows[0].PodsPerSecond),
            ["spreadPodsPerSecond"] = Math.Round(rows[1].PodsPerSecond),
            ["antiAffinityPodsPerSecond"] = Math.Round(rows[2].PodsPerSecond),
            ["clock"] = "process CPU time during Schedule",
            ["wallPodsPerSecond"] = rows.ToDictionary(r => r.Name, r => Math.Round(r.PodsPerWallSecond)),
            ["bound"] = rows.ToDictionary(r => r.Name, r => r.Bound),
            ["failed"] = rows.ToDictionary(r => r.Name, r => r.Failed),
            ["stateBuildMs"] = rows.ToDictionary(r => r.Name, r => Math.Round(r.BuildMs)),
        };
        Console.WriteLine(JsonSerializer.Serialize(json));
        return Task.FromResult(rows.All(r => r.Failed == 0) ? 0 : 1);
    }

    /// <summary>One workload's figures: CPU seconds of the process during Schedule (the figure that does not depend
    /// on what else the machine runs), wall seconds, and the CPU milliseconds of building the state.</summary>
    private sealed record Row(string Name, int Bound, int Failed, double CpuSeconds, double WallSeconds, double BuildMs)
    {
        public double PodsPerSecond => Bound / CpuSeconds;

        public double PodsPerWallSecond => Bound / WallSeconds;
    }

    private static readonly (string Name, Func<int, V1Pod> Pod)[] Workloads =
    [
        ("plain", i => Pod(i, "plain", null)),
        ("spread", i => Pod(i, "spread", s => s.TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint
            {
                MaxSkew = 1,
                TopologyKey = "topology.kubernetes.io/zone",
                WhenUnsatisfiable = "DoNotSchedule",
                LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "spread" } },
            },
        ])),
        ("anti-affinity", i => Pod(i, "anti", s => s.Affinity = new V1Affinity
        {
            PodAntiAffinity = new V1PodAntiAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PodAffinityTerm
                    {
                        TopologyKey = "kubernetes.io/hostname",
                        LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["group"] = Group(i) } },
                    },
                ],
            },
        })),
    ];

    /// <summary>Checks the outcome honours the workload's constraint, so a fast wrong scheduler cannot pass.</summary>
    private static void Verify(string workload, ScheduleResult result)
    {
        var bindings = result.Bindings.ToList();
        if (workload == "spread")
        {
            var perZone = bindings.GroupBy(b => int.Parse(b.NodeName["node-".Length..], CultureInfo.InvariantCulture) % 3).Select(g => g.Count()).ToList();
            if (perZone.Count > 0 && perZone.Max() - perZone.Min() > 1)
            {
                throw new InvalidOperationException($"spread violated: per-zone counts {string.Join(",", perZone)}");
            }
        }
        else if (workload == "anti-affinity")
        {
            var clash = bindings.GroupBy(b => (Group(int.Parse(b.Name["anti-".Length..], CultureInfo.InvariantCulture)), b.NodeName)).FirstOrDefault(g => g.Count() > 1);
            if (clash is not null)
            {
                throw new InvalidOperationException($"anti-affinity violated: {clash.Count()} pods of {clash.Key.Item1} on {clash.Key.NodeName}");
            }
        }
    }

    private static string Group(int i) => "g" + (i / 100).ToString(CultureInfo.InvariantCulture);

    private static Row Measure((string Name, Func<int, V1Pod> Pod) workload, int nodeCount, int podCount, SchedulerConfig config)
    {
        var nodes = Enumerable.Range(0, nodeCount).Select(Node).ToList();
        var pending = Enumerable.Range(0, podCount).Select(workload.Pod).ToList();
        GC.Collect();
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var state = ClusterState.FromSnapshot(new ClusterSnapshot(nodes, []), config);
        var buildMs = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
        process.Refresh();
        cpu0 = process.TotalProcessorTime;
        sw.Restart();
        var result = PodScheduler.Schedule(state, pending, config);
        var wall = sw.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        var bound = result.Bindings.Count();
        Verify(workload.Name, result);
        return new Row(workload.Name, bound, podCount - bound, cpu, wall, buildMs);
    }

    private static V1Node Node(int i)
    {
        var name = "node-" + i.ToString(CultureInfo.InvariantCulture);
        var alloc = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("32Gi"), ["pods"] = new("110") };
        return new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string>
                {
                    ["kubernetes.io/hostname"] = name,
                    ["topology.kubernetes.io/zone"] = "zone-" + (i % 3).ToString(CultureInfo.InvariantCulture),
                },
            },
            Spec = new V1NodeSpec(),
            Status = new V1NodeStatus { Allocatable = alloc, Capacity = alloc, Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }] },
        };
    }

    private static V1Pod Pod(int i, string app, Action<V1PodSpec>? customize)
    {
        var spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "pause",
                    Image = "registry.k8s.io/pause:3.10",
                    Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("500Mi") } },
                },
            ],
        };
        customize?.Invoke(spec);
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{app}-{i}",
                NamespaceProperty = "bench",
                Uid = $"uid-{app}-{i}",
                Labels = new Dictionary<string, string> { ["app"] = app, ["group"] = Group(i) },
                CreationTimestamp = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMilliseconds(i),
            },
            Spec = spec,
        };
    }
}
