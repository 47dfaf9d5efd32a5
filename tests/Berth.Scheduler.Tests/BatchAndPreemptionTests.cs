using Xunit;

namespace Berth.Scheduler.Tests;

[Trait("Tier", "Unit")]
public sealed class BatchAndPreemptionTests
{
    [Fact]
    public void PodsAssumedEarlierInTheBatchTakeTheirRoom()
    {
        var nodes = new[] { Build.Node("a", cpu: "4"), Build.Node("b", cpu: "4") };
        var pending = Enumerable.Range(0, 3).Select(i => Build.Pod($"p{i}", cpu: "3")).ToList();
        var r = Build.Run(nodes, [], pending, new SchedulerConfig { EnablePreemption = false, PercentageOfNodesToScore = 100 });
        Assert.Equal(["a", "b"], r.Bindings.Select(b => b.NodeName).Order());
        Assert.Equal("0/2 nodes are available: 2 Insufficient cpu.", r.Failures.Single().Message);
    }

    [Fact]
    public void HigherPriorityAndOlderPodsGoFirst()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var pending = new[]
        {
            Build.Pod("young", cpu: "3", created: t0.AddMinutes(2)),
            Build.Pod("old", cpu: "3", created: t0),
            Build.Pod("vip", cpu: "3", priority: 1000, created: t0.AddMinutes(5)),
        };
        var r = Build.Run([Build.Node("n", cpu: "4")], [], pending, new SchedulerConfig { EnablePreemption = false });
        Assert.Equal(["vip", "old", "young"], r.Decisions.Select(d => d.Pod.Metadata.Name));
        Assert.Equal("vip", r.Bindings.Single().Name);
    }

    [Fact]
    public void PreemptionEvictsTheLeastImportantLowerPriorityPods()
    {
        var placed = new[]
        {
            Build.Pod("low1", cpu: "1", priority: 1, nodeName: "n"),
            Build.Pod("low2", cpu: "1", priority: 2, nodeName: "n"),
            Build.Pod("mid", cpu: "2", priority: 50, nodeName: "n"),
        };
        var d = Build.One([Build.Node("n", cpu: "4")], placed, Build.Pod("vip", cpu: "2", priority: 100));
        Assert.Null(d.Binding);
        var p = d.Failure!.Preemption!;
        Assert.Equal("n", p.NominatedNodeName);
        Assert.Equal(["low1", "low2"], p.Victims.Select(v => v.Name).Order());
        Assert.Equal("0/1 nodes are available: 1 Insufficient cpu.", d.Failure.Message);
    }

    [Fact]
    public void PreemptionReprievesWhatItCan()
    {
        var placed = new[]
        {
            Build.Pod("a", cpu: "1", priority: 10, nodeName: "n"),
            Build.Pod("b", cpu: "2", priority: 1, nodeName: "n"),
            Build.Pod("c", cpu: "1", priority: 5, nodeName: "n"),
        };
        var p = Build.One([Build.Node("n", cpu: "4")], placed, Build.Pod("vip", cpu: "2", priority: 100)).Failure!.Preemption!;
        Assert.Equal(["b"], p.Victims.Select(v => v.Name));
    }

    [Fact]
    public void PreemptionPicksTheNodeWithTheLowestPriorityVictims()
    {
        var nodes = new[] { Build.Node("x", cpu: "2"), Build.Node("y", cpu: "2") };
        var placed = new[] { Build.Pod("px", cpu: "2", priority: 20, nodeName: "x"), Build.Pod("py", cpu: "2", priority: 10, nodeName: "y") };
        var p = Build.One(nodes, placed, Build.Pod("vip", cpu: "1", priority: 100)).Failure!.Preemption!;
        Assert.Equal("y", p.NominatedNodeName);
    }

    [Fact]
    public void PreemptionMessagesWhenItCannotHelp()
    {
        var placed = new[] { Build.Pod("same", cpu: "3", priority: 100, nodeName: "n") };
        var d = Build.One([Build.Node("n", cpu: "4"), Build.Node("t", taints: [Build.Taint("x")])], placed, Build.Pod("p", cpu: "2", priority: 100));
        Assert.Equal(
            "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {x: }. "
            + "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
            d.Failure!.Message);

        var never = Build.Pod("never", cpu: "2", priority: 1000, spec: s => s.PreemptionPolicy = "Never");
        Assert.Equal(
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
            Build.One([Build.Node("n", cpu: "4")], placed, never).Failure!.Message);

        // Removing every lower-priority pod is still not enough: the filter's own reason is given.
        var big = Build.One([Build.Node("n", cpu: "4")], [Build.Pod("l", cpu: "1", priority: 1, nodeName: "n")], Build.Pod("big", cpu: "8", priority: 100));
        Assert.Equal(
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.",
            big.Failure!.Message);
    }

    [Fact]
    public void PreemptedRoomIsReservedForThePreemptorWithinTheBatch()
    {
        var placed = new[] { Build.Pod("low", cpu: "4", priority: 1, nodeName: "n") };
        var pending = new[] { Build.Pod("vip", cpu: "4", priority: 100), Build.Pod("sneaky", cpu: "1", priority: 50) };
        var r = Build.Run([Build.Node("n", cpu: "4")], placed, pending);
        Assert.Equal("n", r.Decisions[0].Failure!.Preemption!.NominatedNodeName);
        Assert.Null(r.Decisions[1].Binding);
    }

    [Fact]
    public void ANominatedPodWaitsForItsTerminatingVictims()
    {
        var victim = Build.Pod("low", cpu: "4", priority: 1, nodeName: "n");
        victim.Metadata.DeletionTimestamp = DateTime.UtcNow;
        var vip = Build.Pod("vip", cpu: "4", priority: 100);
        vip.Status.NominatedNodeName = "n";
        Assert.Equal(
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.",
            Build.One([Build.Node("n", cpu: "4")], [victim], vip).Failure!.Message);

        // Once the victim is gone the pod binds to its nominated node.
        Assert.Equal("n", Build.One([Build.Node("m", cpu: "8"), Build.Node("n", cpu: "4")], [], vip).Binding!.NodeName);
    }

    [Fact]
    public void KeptStateCarriesBindingsIntoTheNextBatch()
    {
        var state = ClusterState.FromSnapshot(new ClusterSnapshot([Build.Node("n", cpu: "4")], []));
        Assert.Single(PodScheduler.Schedule(state, [Build.Pod("a", cpu: "3")]).Bindings);
        Assert.Empty(PodScheduler.Schedule(state, [Build.Pod("b", cpu: "3")], new SchedulerConfig { EnablePreemption = false }).Bindings);
        Assert.Equal(1, state.PodCount);
    }

    [Fact]
    public void APreemptorKeptInStateBindsToItsNominatedNodeNextBatch()
    {
        var state = ClusterState.FromSnapshot(new ClusterSnapshot(
            [Build.Node("m", cpu: "2"), Build.Node("n", cpu: "4")],
            [Build.Pod("low", cpu: "4", priority: 1, nodeName: "n"), Build.Pod("mid", cpu: "2", priority: 50, nodeName: "m")]));
        var vip = Build.Pod("vip", cpu: "3", priority: 100);
        var first = PodScheduler.Schedule(state, [vip]).Decisions.Single();
        Assert.Equal("n", first.Failure!.Preemption!.NominatedNodeName);
        Assert.Equal(["low"], first.Failure.Preemption.Victims.Select(v => v.Name));

        vip.Status.NominatedNodeName = "n";
        Assert.Equal("n", PodScheduler.Schedule(state, [vip]).Bindings.Single().NodeName);
        Assert.Equal(2, state.PodCount);
    }

    [Fact]
    public void BindingObjectIsWhatPodsBindingExpects()
    {
        var b = new PodBinding("ns", "p", "u1", "n1").ToV1Binding();
        Assert.Equal(("Binding", "v1", "p", "ns", "Node", "n1"), (b.Kind, b.ApiVersion, b.Metadata.Name, b.Metadata.NamespaceProperty, b.Target.Kind, b.Target.Name));
    }
}
