using k8s.Models;
using Xunit;

namespace Berth.Scheduler.Tests;

[Trait("Tier", "Unit")]
public sealed class AffinityAndSpreadTests
{
    private static readonly V1Node[] Zones =
    [
        Build.Node("a1", labels: Build.Labels(("zone", "a"))),
        Build.Node("a2", labels: Build.Labels(("zone", "a"))),
        Build.Node("b1", labels: Build.Labels(("zone", "b"))),
    ];

    private static V1Pod WithAffinity(string name, V1PodAffinity? affinity = null, V1PodAntiAffinity? anti = null, params (string, string)[] labels) =>
        Build.Pod(name, labels: Build.Labels(labels), spec: s => s.Affinity = new V1Affinity { PodAffinity = affinity, PodAntiAffinity = anti });

    [Fact]
    public void RequiredAffinityFollowsTheMatchingPodsDomain()
    {
        var db = Build.Pod("db", labels: Build.Labels(("app", "db")), nodeName: "b1");
        var web = WithAffinity("web", new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term("zone", ("app", "db"))] });
        Assert.Equal("b1", Build.One(Zones, [db], web).Binding!.NodeName);

        var d = Build.One(Zones, [Build.Pod("other", labels: Build.Labels(("app", "x")), nodeName: "b1")], web);
        Assert.Equal(
            "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
            d.Failure!.Message);
    }

    [Fact]
    public void TheFirstPodOfASelfAffineGroupMayGoAnywhere()
    {
        var first = WithAffinity("w0", new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term("zone", ("app", "web"))] }, null, ("app", "web"));
        var second = WithAffinity("w1", new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term("zone", ("app", "web"))] }, null, ("app", "web"));
        var r = Build.Run(Zones, [], [first, second]);
        var nodes = r.Bindings.Select(b => Zones.Single(z => z.Metadata.Name == b.NodeName).Metadata.Labels["zone"]).ToList();
        Assert.Equal(2, nodes.Count);
        Assert.Equal(nodes[0], nodes[1]);
    }

    [Fact]
    public void RequiredAntiAffinitySpreadsOnePerHostThenFails()
    {
        var pods = Enumerable.Range(0, 4).Select(i => WithAffinity(
            $"r{i}", null, new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term("kubernetes.io/hostname", ("app", "r"))] }, ("app", "r"))).ToList();
        var r = Build.Run(Zones, [], pods, new SchedulerConfig { EnablePreemption = false, PercentageOfNodesToScore = 100 });
        Assert.Equal(3, r.Bindings.Select(b => b.NodeName).Distinct().Count());
        Assert.Equal("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.", r.Failures.Single().Message);
    }

    [Fact]
    public void ExistingPodsAntiAffinityKeepsOthersOut()
    {
        var loner = Build.Pod("loner", nodeName: "b1", spec: s => s.Affinity = new V1Affinity
        {
            PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term("zone", ("team", "noisy"))] },
        });
        var noisy = Build.Pod("noisy", labels: Build.Labels(("team", "noisy")), spec: s => s.NodeSelector = new Dictionary<string, string> { ["zone"] = "b" });
        var d = Build.One(Zones, [loner], noisy, new SchedulerConfig { EnablePreemption = false });
        Assert.Equal(["node(s) didn't satisfy existing pods anti-affinity rules"], d.Failure!.NodeReasons["b1"]);
        Assert.Equal(["node(s) didn't match Pod's node affinity/selector"], d.Failure.NodeReasons["a1"]);
        var elsewhere = Build.One(Zones, [loner], Build.Pod("n2", labels: Build.Labels(("team", "noisy"))));
        Assert.StartsWith("a", elsewhere.Binding!.NodeName, StringComparison.Ordinal);
    }

    [Fact]
    public void NamespaceSelectorOfATermSeesOtherNamespaces()
    {
        var db = Build.Pod("db", ns: "data", labels: Build.Labels(("app", "db")), nodeName: "a2");
        var term = Build.Term("kubernetes.io/hostname", ("app", "db"));
        term.NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["tier"] = "data" } };
        var web = WithAffinity("web", new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [term] });
        var namespaces = new[] { new V1Namespace { Metadata = new V1ObjectMeta { Name = "data", Labels = new Dictionary<string, string> { ["tier"] = "data" } } } };
        var r = PodScheduler.Schedule(new ClusterSnapshot(Zones, [db], namespaces), [web]);
        Assert.Equal("a2", r.Bindings.Single().NodeName);

        // Without the namespace's label, nothing matches.
        Assert.Empty(PodScheduler.Schedule(new ClusterSnapshot(Zones, [db]), [web]).Bindings);
    }

    private static V1Pod Spread(string name, int maxSkew, string key = "zone", int? minDomains = null, string when = "DoNotSchedule") =>
        Build.Pod(name, labels: Build.Labels(("app", "s")), spec: s => s.TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint
            {
                MaxSkew = maxSkew,
                TopologyKey = key,
                WhenUnsatisfiable = when,
                LabelSelector = Build.Selector(("app", "s")),
                MinDomains = minDomains,
            },
        ]);

    [Theory]
    [InlineData(1, 2, 1, "b")]      // a has 2, b has 1: only b keeps skew ≤ 1
    [InlineData(1, 2, 2, "a|b")]    // equal: either
    [InlineData(2, 2, 1, "a|b")]    // skew 2 allowed
    [InlineData(1, 3, 1, "b")]
    public void DoNotScheduleKeepsSkewWithinMax(int maxSkew, int inA, int inB, string allowedZones)
    {
        var placed = Enumerable.Range(0, inA).Select(i => Build.Pod($"a{i}", labels: Build.Labels(("app", "s")), nodeName: "a1"))
            .Concat(Enumerable.Range(0, inB).Select(i => Build.Pod($"b{i}", labels: Build.Labels(("app", "s")), nodeName: "b1")));
        var node = Build.One(Zones, placed, Spread("p", maxSkew)).Binding!.NodeName;
        Assert.Contains(Zones.Single(z => z.Metadata.Name == node).Metadata.Labels["zone"], allowedZones.Split('|'));
    }

    [Fact]
    public void SpreadFailureAndMissingLabelMessages()
    {
        var nodes = Zones.Append(Build.Node("nolabel")).ToArray();
        var placed = new[] { Build.Pod("x", labels: Build.Labels(("app", "s")), nodeName: "a1"), Build.Pod("y", labels: Build.Labels(("app", "s")), nodeName: "a2") };
        var pod = Spread("p", 1, minDomains: 3);

        // minDomains 3 > 2 domains: the global minimum counts as 0, so zone a (2) is out and zone b (0) is in.
        Assert.Equal("b1", Build.One(nodes, placed, pod).Binding!.NodeName);
        var full = placed.Append(Build.Pod("z", labels: Build.Labels(("app", "s")), nodeName: "b1"));
        var d = Build.One(nodes, full, pod, new SchedulerConfig { EnablePreemption = false });
        Assert.Equal(
            "0/4 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), 3 node(s) didn't match pod topology spread constraints.",
            d.Failure!.Message);
    }

    [Fact]
    public void SpreadIgnoresPodsOfOtherNamespacesAndTerminatingPods()
    {
        var other = Build.Pod("o", ns: "other", labels: Build.Labels(("app", "s")), nodeName: "b1");
        var dying = Build.Pod("d", labels: Build.Labels(("app", "s")), nodeName: "b1");
        dying.Metadata.DeletionTimestamp = DateTime.UtcNow;
        var a = Build.Pod("a", labels: Build.Labels(("app", "s")), nodeName: "a1");
        Assert.Equal("b1", Build.One(Zones, [other, dying, a], Spread("p", 1)).Binding!.NodeName);
    }
}
