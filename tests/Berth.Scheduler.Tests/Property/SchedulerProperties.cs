using Xunit;

namespace Berth.Scheduler.Tests.Property;

/// <summary>
/// Properties over generated clusters, judged by <see cref="IndependentChecker"/>: no binding violates a filter,
/// every reason a failure gives for a node is true of that node, every node is accounted for in the message,
/// and preemption only evicts lower-priority pods and makes room.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class SchedulerProperties
{
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        foreach (var s in Enumerable.Range(1, 40))
        {
            data.Add(s * 7919);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void BindingsRespectEveryFilterAndFailuresTellTheTruth(int seed)
    {
        // 10 clusters per seed: 400 clusters in all.
        var generator = new ClusterGenerator(seed);
        for (var round = 0; round < 10; round++)
        {
            var (nodes, placed, pending) = generator.Next();
            var config = new SchedulerConfig
            {
                Seed = seed + round,
                EnablePreemption = round % 2 == 0,
                Scoring = round % 3 == 0 ? ScoringStrategy.MostAllocated : ScoringStrategy.LeastAllocated,
                PercentageOfNodesToScore = round % 4 == 0 ? 0 : 100,
            };
            var result = PodScheduler.Schedule(new ClusterSnapshot(nodes, placed), pending, config);
            var again = PodScheduler.Schedule(new ClusterSnapshot(nodes, placed), pending, config);
            Assert.Equal(
                result.Decisions.Select(d => d.Binding?.NodeName ?? d.Failure!.Message),
                again.Decisions.Select(d => d.Binding?.NodeName ?? d.Failure!.Message));

            var checker = new IndependentChecker(nodes);
            foreach (var p in placed)
            {
                checker.Place(p, p.Spec.NodeName);
            }

            Assert.Equal(pending.Count, result.Decisions.Count);
            foreach (var d in result.Decisions)
            {
                var what = $"seed {seed} round {round} pod {d.Pod.Metadata.Name}";
                if (d.Binding is { } b)
                {
                    var node = nodes.Single(n => n.Metadata.Name == b.NodeName);
                    var violated = checker.TrueReasons(d.Pod, node);
                    Assert.True(violated.Count == 0, $"{what}: bound to {b.NodeName} but {string.Join("; ", violated)}");
                    checker.Place(d.Pod, b.NodeName);
                    continue;
                }

                var f = d.Failure!;
                Assert.Equal("Unschedulable", f.Reason);
                Assert.StartsWith($"0/{nodes.Count} nodes are available: ", f.Message, StringComparison.Ordinal);
                Assert.Equal(nodes.Select(n => n.Metadata.Name).Order(), f.NodeReasons.Keys.Order());
                foreach (var (nodeName, reasons) in f.NodeReasons)
                {
                    var node = nodes.Single(n => n.Metadata.Name == nodeName);
                    var truth = checker.TrueReasons(d.Pod, node);
                    Assert.NotEmpty(reasons);
                    foreach (var r in reasons)
                    {
                        Assert.True(truth.Contains(r), $"{what}: node {nodeName} counted under '{r}' but the truth is [{string.Join("; ", truth)}]");
                    }
                }

                // The histogram in the message adds up to the per-node reasons.
                foreach (var g in f.NodeReasons.Values.SelectMany(r => r).GroupBy(r => r))
                {
                    if (!f.Message.Contains("pod affinity terms conflict", StringComparison.Ordinal))
                    {
                        Assert.Contains($"{g.Count()} {g.Key}", f.Message, StringComparison.Ordinal);
                    }
                }

                if (f.Preemption is { } p)
                {
                    var priority = d.Pod.Spec.Priority ?? 0;
                    foreach (var v in p.Victims)
                    {
                        var victim = checker.Placed.Single(x => x.Pod.Metadata.Name == v.Name && x.Pod.Metadata.NamespaceProperty == v.Namespace);
                        Assert.Equal(p.NominatedNodeName, victim.Node);
                        Assert.True((victim.Pod.Spec.Priority ?? 0) < priority, $"{what}: victim {v} is not of lower priority");
                        checker.Remove(v.Namespace, v.Name);
                    }

                    var room = checker.TrueReasons(d.Pod, nodes.Single(n => n.Metadata.Name == p.NominatedNodeName));
                    Assert.True(room.Count == 0, $"{what}: preemption on {p.NominatedNodeName} leaves [{string.Join("; ", room)}]");
                    checker.Place(d.Pod, p.NominatedNodeName);
                }
            }
        }
    }
}
