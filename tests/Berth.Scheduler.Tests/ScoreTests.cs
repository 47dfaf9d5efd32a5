using k8s.Models;
using Xunit;

namespace Berth.Scheduler.Tests;

[Trait("Tier", "Unit")]
public sealed class ScoreTests
{
    private static readonly V1Node[] Two = [Build.Node("empty", cpu: "4", memory: "8Gi"), Build.Node("busy", cpu: "4", memory: "8Gi")];
    private static readonly V1Pod[] BusyLoad = [Build.Pod("load", cpu: "2", memory: "4Gi", nodeName: "busy")];

    [Theory]
    [InlineData(ScoringStrategy.LeastAllocated, "empty")]
    [InlineData(ScoringStrategy.MostAllocated, "busy")]
    public void ScoringStrategyChoosesSpreadOrBinPack(ScoringStrategy strategy, string expected)
    {
        var d = Build.One(Two, BusyLoad, Build.Pod("p", cpu: "500m", memory: "1Gi"), new SchedulerConfig { Scoring = strategy, PercentageOfNodesToScore = 100 });
        Assert.Equal(expected, d.Binding!.NodeName);
    }

    [Theory]
    [InlineData(0, 0, 100)]           // empty node, 100m+200Mi default requests
    [InlineData(2000, 4096, 50)]
    [InlineData(4000, 8192, 0)]
    public void LeastAllocatedScoreMatchesTheFormula(long usedMilli, long usedMi, long expectedApprox)
    {
        var state = ClusterState.FromSnapshot(new ClusterSnapshot(
            [Build.Node("n", cpu: "4", memory: "8Gi")],
            usedMilli == 0 ? [] : [Build.Pod("u", cpu: usedMilli + "m", memory: usedMi + "Mi", nodeName: "n")]));
        var pod = state.Compile(Build.Pod("p", cpu: "0", memory: "0"));
        var score = new Framework.Scorer(SchedulerConfig.Default).ResourceScore(pod, state.Nodes[0]);
        Assert.Equal(expectedApprox, score);
    }

    [Theory]
    [InlineData("2", "4Gi", 100)]    // 50% / 50%
    [InlineData("2", "0", 75)]       // 50% / 0%: std .25
    [InlineData("4", "0", 50)]
    public void BalancedAllocationIsOneMinusStd(string cpu, string memory, long expected)
    {
        var state = ClusterState.FromSnapshot(new ClusterSnapshot([Build.Node("n", cpu: "4", memory: "8Gi")], []));
        Assert.Equal(expected, Framework.Scorer.BalancedScore(state.Compile(Build.Pod("p", cpu: cpu, memory: memory)), state.Nodes[0]));
    }

    [Fact]
    public void PreferredNodeAffinityWins()
    {
        var nodes = new[] { Build.Node("a", labels: Build.Labels(("disk", "hdd"))), Build.Node("b", labels: Build.Labels(("disk", "ssd"))) };
        var pod = Build.Pod("p", spec: s => s.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PreferredSchedulingTerm
                    {
                        Weight = 50,
                        Preference = new V1NodeSelectorTerm { MatchExpressions = [new() { Key = "disk", OperatorProperty = "In", Values = ["ssd"] }] },
                    },
                ],
            },
        });
        for (var seed = 0; seed < 5; seed++)
        {
            Assert.Equal("b", Build.One(nodes, [], pod, new SchedulerConfig { Seed = seed }).Binding!.NodeName);
        }
    }

    [Fact]
    public void PreferNoScheduleTaintIsAvoidedUnlessTolerated()
    {
        var nodes = new[] { Build.Node("soft", taints: [Build.Taint("spot", "true", "PreferNoSchedule")]), Build.Node("plain") };
        for (var seed = 0; seed < 5; seed++)
        {
            Assert.Equal("plain", Build.One(nodes, [], Build.Pod("p"), new SchedulerConfig { Seed = seed }).Binding!.NodeName);
        }
    }

    [Fact]
    public void PreferredPodAffinityAndAntiAffinityPullAndPush()
    {
        var nodes = new[] { Build.Node("a"), Build.Node("b"), Build.Node("c") };
        var cache = Build.Pod("cache", labels: Build.Labels(("app", "cache")), nodeName: "b");
        var near = Build.Pod("near", spec: s => s.Affinity = new V1Affinity
        {
            PodAffinity = new V1PodAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution = [new V1WeightedPodAffinityTerm { Weight = 100, PodAffinityTerm = Build.Term("kubernetes.io/hostname", ("app", "cache")) }],
            },
        });
        var far = Build.Pod("far", spec: s => s.Affinity = new V1Affinity
        {
            PodAntiAffinity = new V1PodAntiAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution = [new V1WeightedPodAffinityTerm { Weight = 100, PodAffinityTerm = Build.Term("kubernetes.io/hostname", ("app", "cache")) }],
            },
        });
        for (var seed = 0; seed < 5; seed++)
        {
            var cfg = new SchedulerConfig { Seed = seed };
            Assert.Equal("b", Build.One(nodes, [cache], near, cfg).Binding!.NodeName);
            Assert.NotEqual("b", Build.One(nodes, [cache], far, cfg).Binding!.NodeName);
        }
    }

    [Fact]
    public void ExistingPodsPreferredAntiAffinityRepelsIncomingPods()
    {
        var nodes = new[] { Build.Node("a"), Build.Node("b") };
        var shy = Build.Pod("shy", nodeName: "a", spec: s => s.Affinity = new V1Affinity
        {
            PodAntiAffinity = new V1PodAntiAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution = [new V1WeightedPodAffinityTerm { Weight = 100, PodAffinityTerm = Build.Term("kubernetes.io/hostname", ("app", "noisy")) }],
            },
        });
        var b = Build.Pod("ballast", nodeName: "b", cpu: "100m", memory: "200Mi");
        for (var seed = 0; seed < 5; seed++)
        {
            Assert.Equal("b", Build.One(nodes, [shy, b], Build.Pod("noisy", labels: Build.Labels(("app", "noisy"))), new SchedulerConfig { Seed = seed }).Binding!.NodeName);
        }
    }

    [Fact]
    public void ScheduleAnywaySpreadPrefersTheEmptierDomain()
    {
        var nodes = new[]
        {
            Build.Node("a1", labels: Build.Labels(("zone", "a"))),
            Build.Node("b1", labels: Build.Labels(("zone", "b"))),
        };
        var placed = Enumerable.Range(0, 3).Select(i => Build.Pod($"x{i}", labels: Build.Labels(("app", "s")), nodeName: "a1"));
        var pod = Build.Pod("p", labels: Build.Labels(("app", "s")), spec: s => s.TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "zone", WhenUnsatisfiable = "ScheduleAnyway", LabelSelector = Build.Selector(("app", "s")) },
        ]);
        for (var seed = 0; seed < 5; seed++)
        {
            Assert.Equal("b1", Build.One(nodes, placed, pod, new SchedulerConfig { Seed = seed, Weights = new PluginWeights { NodeResourcesFit = 0, NodeResourcesBalancedAllocation = 0 } }).Binding!.NodeName);
        }
    }

    [Fact]
    public void TiesAreBrokenBySeedDeterministically()
    {
        var nodes = Enumerable.Range(0, 20).Select(i => Build.Node($"n{i}")).ToList();
        string Pick(int seed) => Build.One(nodes, [], Build.Pod("p"), new SchedulerConfig { Seed = seed, PercentageOfNodesToScore = 100 }).Binding!.NodeName;
        Assert.Equal(Pick(7), Pick(7));
        Assert.True(Enumerable.Range(0, 20).Select(Pick).Distinct().Count() > 1, "different seeds should spread ties over several nodes");
    }

    [Theory]
    [InlineData(50, 0, 50)]
    [InlineData(99, 0, 99)]
    [InlineData(100, 0, 100)]
    [InlineData(5000, 0, 500)]
    [InlineData(5000, 100, 5000)]
    [InlineData(1000, 0, 420)]
    [InlineData(100000, 0, 5000)]
    public void NumberOfNodesToFindFollowsKubeScheduler(int nodes, int percentage, int expected) =>
        Assert.Equal(expected, PodScheduler.NumFeasibleNodesToFind(percentage, nodes));
}
