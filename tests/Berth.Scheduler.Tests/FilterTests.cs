using k8s.Models;
using Xunit;

namespace Berth.Scheduler.Tests;

[Trait("Tier", "Unit")]
public sealed class FilterTests
{
    [Fact]
    public void TheBriefsExampleMessageComesOutVerbatim()
    {
        var nodes = new[]
        {
            Build.Node("cp", taints: [Build.Taint("node-role.kubernetes.io/control-plane")]),
            Build.Node("w1", cpu: "1"),
            Build.Node("w2", cpu: "1"),
        };
        var d = Build.One(nodes, [], Build.Pod("big", cpu: "2"));
        Assert.Null(d.Binding);
        Assert.Equal(
            "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. "
            + "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
            d.Failure!.Message);
        Assert.Equal("Unschedulable", d.Failure.Reason);
        Assert.Equal(["Insufficient cpu"], d.Failure.NodeReasons["w1"]);
    }

    [Theory]
    [InlineData("4", "1Gi", null, "Insufficient cpu")]
    [InlineData("1", "9Gi", null, "Insufficient memory")]
    [InlineData("5", "9Gi", null, "Insufficient cpu|Insufficient memory")]
    [InlineData("3", "8Gi", null, null)]
    [InlineData("100m", "100Mi", "2", "Too many pods")]
    public void NodeResourcesFitCountsPlacedPods(string cpu, string memory, string? maxPods, string? reasons)
    {
        var node = Build.Node("n", cpu: "4", memory: "8Gi", pods: maxPods is null ? 110 : int.Parse(maxPods, System.Globalization.CultureInfo.InvariantCulture));
        var placed = new[] { Build.Pod("a", cpu: "1", nodeName: "n"), Build.Pod("b", memory: "0", nodeName: "n") };
        var d = Build.One([node], placed, Build.Pod("p", cpu: cpu, memory: memory), new SchedulerConfig { EnablePreemption = false });
        if (reasons is null)
        {
            Assert.Equal("n", d.Binding!.NodeName);
        }
        else
        {
            Assert.Equal(reasons.Split('|'), d.Failure!.NodeReasons["n"]);
        }
    }

    [Fact]
    public void CpuThatFitsExactlyIsAccepted()
    {
        var d = Build.One([Build.Node("n", cpu: "4")], [Build.Pod("a", cpu: "1", nodeName: "n")], Build.Pod("p", cpu: "3"));
        Assert.Equal("n", d.Binding!.NodeName);
    }

    [Theory]
    [InlineData(new[] { "1" }, new[] { "2" }, false, null, "2000")]            // max(init 2, app 1)
    [InlineData(new[] { "1", "1" }, new[] { "1500m" }, false, null, "2000")]   // sum of apps wins
    [InlineData(new[] { "1" }, new[] { "500m", "2" }, false, null, "2000")]    // largest init
    [InlineData(new[] { "1" }, new[] { "500m" }, true, null, "1500")]          // sidecar adds to the apps
    [InlineData(new[] { "1" }, new string[0], false, "250m", "1250")]          // overhead adds
    public void PodRequestsFollowKubernetes(string[] apps, string[] inits, bool firstInitIsSidecar, string? overhead, string expectedMilli)
    {
        var pod = Build.Pod("p", spec: s =>
        {
            s.Containers = apps.Select((c, i) => Container($"a{i}", c)).ToList();
            s.InitContainers = inits.Select((c, i) => Container($"i{i}", c, i == 0 && firstInitIsSidecar)).ToList();
            if (overhead is not null)
            {
                s.Overhead = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(overhead) };
            }
        });
        var requests = Model.PodRequests.Compute(pod.Spec, nonZero: false);
        Assert.Equal(long.Parse(expectedMilli, System.Globalization.CultureInfo.InvariantCulture), requests.MilliCpu);

        // Fits exactly on a node of that size, not on one a millicore smaller.
        Assert.NotNull(Build.One([Build.Node("n", cpu: expectedMilli + "m")], [], pod).Binding);
        Assert.Null(Build.One([Build.Node("n", cpu: (long.Parse(expectedMilli, System.Globalization.CultureInfo.InvariantCulture) - 1) + "m")], [], pod).Binding);
    }

    private static V1Container Container(string name, string cpu, bool sidecar = false) => new()
    {
        Name = name,
        Image = "x",
        RestartPolicy = sidecar ? "Always" : null,
        Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) } },
    };

    [Fact]
    public void ExtendedAndEphemeralResourcesAreChecked()
    {
        var node = Build.Node("n", ephemeral: "10Gi", extra: new() { ["example.com/gpu"] = "1" });
        var d = Build.One([node], [], Build.Pod("p", extra: new() { ["example.com/gpu"] = "2", ["ephemeral-storage"] = "20Gi" }));
        Assert.Equal(["Insufficient ephemeral-storage", "Insufficient example.com/gpu"], d.Failure!.NodeReasons["n"]);
    }

    [Theory]
    [InlineData("dedicated", "Equal", "gpu", "NoSchedule", true)]
    [InlineData("dedicated", "Equal", "cpu", "NoSchedule", false)]
    [InlineData("dedicated", "Exists", null, null, true)]
    [InlineData(null, "Exists", null, null, true)]
    [InlineData("dedicated", "Equal", "gpu", "NoExecute", false)]
    [InlineData("other", "Exists", null, null, false)]
    public void TaintTolerationFilter(string? key, string op, string? value, string? effect, bool fits)
    {
        var node = Build.Node("n", taints: [Build.Taint("dedicated", "gpu")]);
        var d = Build.One([node], [], Build.Pod("p", spec: s => s.Tolerations = [Build.Toleration(key, op, value, effect)]));
        if (fits)
        {
            Assert.NotNull(d.Binding);
        }
        else
        {
            Assert.Equal(["node(s) had untolerated taint {dedicated: gpu}"], d.Failure!.NodeReasons["n"]);
        }
    }

    [Fact]
    public void PreferNoScheduleTaintsDoNotFilter()
    {
        var d = Build.One([Build.Node("n", taints: [Build.Taint("soft", "x", "PreferNoSchedule")])], [], Build.Pod("p"));
        Assert.NotNull(d.Binding);
    }

    [Theory]
    [InlineData("False", "node.kubernetes.io/not-ready")]
    [InlineData("Unknown", "node.kubernetes.io/unreachable")]
    [InlineData(null, "node.kubernetes.io/unreachable")]
    public void NotReadyNodesAreTreatedAsTainted(string? ready, string taint)
    {
        var d = Build.One([Build.Node("n", ready: ready!)], [], Build.Pod("p"));
        Assert.Equal([$"node(s) had untolerated taint {{{taint}: }}"], d.Failure!.NodeReasons["n"]);

        var tolerant = Build.Pod("t", spec: s => s.Tolerations = [Build.Toleration(taint, "Exists")]);
        Assert.NotNull(Build.One([Build.Node("n", ready: ready!)], [], tolerant).Binding);
        Assert.NotNull(Build.One([Build.Node("n", ready: ready!)], [], Build.Pod("p"), new SchedulerConfig { TaintNotReadyNodes = false }).Binding);
    }

    [Fact]
    public void UnschedulableNodeUnlessTolerated()
    {
        var node = Build.Node("n", unschedulable: true);
        Assert.Equal(["node(s) were unschedulable"], Build.One([node], [], Build.Pod("p")).Failure!.NodeReasons["n"]);
        var tolerant = Build.Pod("t", spec: s => s.Tolerations = [Build.Toleration("node.kubernetes.io/unschedulable", "Exists", effect: "NoSchedule")]);
        Assert.NotNull(Build.One([node], [], tolerant).Binding);
    }

    [Fact]
    public void NodeNameRestrictsToThatNode()
    {
        var pod = Build.Pod("p", spec: s => s.NodeName = "b");
        var d = Build.One([Build.Node("a"), Build.Node("b")], [], pod);
        Assert.Equal("b", d.Binding!.NodeName);
        var failing = Build.One([Build.Node("a")], [], pod);
        Assert.Equal(["node(s) didn't match the requested node name"], failing.Failure!.NodeReasons["a"]);
    }

    [Theory]
    [InlineData("zone", "In", "a,b", true)]
    [InlineData("zone", "In", "c", false)]
    [InlineData("zone", "NotIn", "a", false)]
    [InlineData("missing", "NotIn", "a", true)]
    [InlineData("zone", "Exists", "", true)]
    [InlineData("zone", "DoesNotExist", "", false)]
    [InlineData("cores", "Gt", "7", true)]
    [InlineData("cores", "Gt", "8", false)]
    [InlineData("cores", "Lt", "9", true)]
    [InlineData("zone", "Gt", "1", false)]
    public void RequiredNodeAffinityOperators(string key, string op, string values, bool fits)
    {
        var node = Build.Node("n", labels: Build.Labels(("zone", "a"), ("cores", "8")));
        var pod = Build.Pod("p", spec: s => s.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm
                    {
                        MatchExpressions = [new V1NodeSelectorRequirement
                        {
                            Key = key,
                            OperatorProperty = op,
                            Values = values.Length == 0 ? null : values.Split(','),
                        }],
                    }],
                },
            },
        });
        var d = Build.One([node], [], pod);
        Assert.Equal(fits, d.Binding is not null);
        if (!fits)
        {
            Assert.Equal(["node(s) didn't match Pod's node affinity/selector"], d.Failure!.NodeReasons["n"]);
        }
    }

    [Fact]
    public void NodeSelectorAndAffinityTermsAreAndedAndTermsOred()
    {
        var nodes = new[]
        {
            Build.Node("a", labels: Build.Labels(("disk", "ssd"), ("zone", "1"))),
            Build.Node("b", labels: Build.Labels(("disk", "hdd"), ("zone", "2"))),
            Build.Node("c", labels: Build.Labels(("disk", "ssd"), ("zone", "3"))),
        };
        var pod = Build.Pod("p", spec: s =>
        {
            s.NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" };
            s.Affinity = new V1Affinity
            {
                NodeAffinity = new V1NodeAffinity
                {
                    RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                    {
                        NodeSelectorTerms =
                        [
                            new V1NodeSelectorTerm { MatchExpressions = [new() { Key = "zone", OperatorProperty = "In", Values = ["2"] }] },
                            new V1NodeSelectorTerm { MatchExpressions = [new() { Key = "zone", OperatorProperty = "In", Values = ["3"] }] },
                        ],
                    },
                },
            };
        });
        Assert.Equal("c", Build.One(nodes, [], pod).Binding!.NodeName);
    }

    [Fact]
    public void MatchFieldsPinsNodesAndExplainsTheOthersAsKubernetesDoes()
    {
        var pod = Build.Pod("ds", cpu: "8", spec: s => s.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchFields = [new() { Key = "metadata.name", OperatorProperty = "In", Values = ["b"] }] }],
                },
            },
        });
        var d = Build.One([Build.Node("a"), Build.Node("b")], [], pod);
        Assert.Equal(
            "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
            + "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
            d.Failure!.Message);
    }

    [Theory]
    [InlineData("TCP", "", 8080, "TCP", "", 8080, false)]
    [InlineData("TCP", "", 8080, "UDP", "", 8080, true)]
    [InlineData("TCP", "10.0.0.1", 8080, "TCP", "10.0.0.2", 8080, true)]
    [InlineData("TCP", "10.0.0.1", 8080, "TCP", "", 8080, false)]
    [InlineData("TCP", "", 8080, "TCP", "", 8081, true)]
    public void HostPortConflicts(string usedProto, string usedIp, int usedPort, string wantProto, string wantIp, int wantPort, bool fits)
    {
        static Action<V1PodSpec> Port(string proto, string ip, int port) => s => s.Containers[0].Ports =
            [new V1ContainerPort { ContainerPort = 80, HostPort = port, Protocol = proto, HostIP = ip.Length == 0 ? null : ip }];
        var placed = Build.Pod("a", nodeName: "n", spec: Port(usedProto, usedIp, usedPort));
        var d = Build.One([Build.Node("n")], [placed], Build.Pod("p", spec: Port(wantProto, wantIp, wantPort)));
        Assert.Equal(fits, d.Binding is not null);
        if (!fits)
        {
            Assert.Equal(["node(s) didn't have free ports for the requested pod ports"], d.Failure!.NodeReasons["n"]);
        }
    }

    [Fact]
    public void NoNodesAtAll()
    {
        Assert.Equal("no nodes available to schedule pods", Build.One([], [], Build.Pod("p")).Failure!.Message);
    }

    [Fact]
    public void SchedulingGatesHoldThePod()
    {
        var d = Build.One([Build.Node("n")], [], Build.Pod("p", spec: s => s.SchedulingGates = [new V1PodSchedulingGate { Name = "wait" }]));
        Assert.Equal("SchedulingGated", d.Failure!.Reason);
        Assert.Equal("Scheduling is blocked due to non-empty scheduling gates", d.Failure.Message);
    }
}
