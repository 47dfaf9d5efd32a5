using System.Text.Json.Nodes;
using Berth.Agent.Pods;
using Berth.Api.Resources;
using Berth.Runtime.Oci.Runtime;
using k8s.Models;
using Xunit;

namespace Berth.Agent.Tests.Pods;

[Trait("Tier", "Unit")]
public sealed class PodStatusBuilderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-01-01T00:00:10Z");

    private static V1Pod Pod(string policy = "Always") => PodFixtures.Pod(
        "{\"metadata\":{\"name\":\"web\",\"namespace\":\"default\",\"uid\":\"u1\"},\"spec\":{\"restartPolicy\":\"" + policy + "\",\"containers\":[{\"name\":\"b\",\"image\":\"bb\"},{\"name\":\"a\",\"image\":\"bb\"}]}}");

    private static ContainerTrack Running(string name, bool ready = true)
    {
        var t = new ContainerTrack(name, ContainerKind.Regular) { CurrentId = $"id-{name}", RuntimeName = "crun", ImageRef = "docker.io/library/bb:1", ImageDigest = "sha256:abc" };
        t.Instance = new ContainerStatus { Id = t.CurrentId, Name = name, State = ContainerState.Running, CreatedAt = Now, StartedAt = Now, LogPath = "/l", CgroupsPath = "/c" };
        t.Probes.Reset(t.CurrentId, hasStartup: false, hasReadiness: !ready);
        return t;
    }

    private static ContainerTrack Exited(string name, int code)
    {
        var t = Running(name);
        t.Terminated = new TerminatedInfo(code, code == 0 ? "Completed" : "Error", null, Now, Now, $"crun://id-{name}");
        return t;
    }

    [Fact]
    public void RunningAndReady()
    {
        var s = PodStatusBuilder.Build(new(Pod(), null, [], [Running("b"), Running("a")], "10.244.0.5", "192.0.2.2", true, Now));
        Assert.Equal("Running", Json.String(s, "phase"));
        Assert.Equal("10.244.0.5", Json.String(s, "podIP"));
        Assert.Equal("10.244.0.5", Json.String(s["podIPs"]![0], "ip"));
        Assert.Equal("192.0.2.2", Json.String(s, "hostIP"));
        Assert.Equal(new[] { "Initialized", "PodReadyToStartContainers", "PodScheduled", "Ready", "ContainersReady" }.Order(), Conditions(s).Where(c => c.Value == "True").Select(c => c.Key).Order());
        var statuses = s["containerStatuses"]!.AsArray();
        Assert.Equal("a", Json.String(statuses[0], "name"));   // sorted by name, as the kubelet does
        Assert.Equal("crun://id-a", Json.String(statuses[0], "containerID"));
        Assert.Equal("docker.io/library/bb@sha256:abc", Json.String(statuses[0], "imageID"));
        Assert.True(Json.Bool(statuses[0], "started"));
        Assert.NotNull(Json.Object(statuses[0], "state", "running"));
    }

    [Fact]
    public void NotReadyNamesTheContainers()
    {
        var s = PodStatusBuilder.Build(new(Pod(), null, [], [Running("b", ready: false), Running("a")], "10.244.0.5", "192.0.2.2", true, Now));
        var ready = Condition(s, "Ready");
        Assert.Equal("False", Json.String(ready, "status"));
        Assert.Equal("ContainersNotReady", Json.String(ready, "reason"));
        Assert.Equal("containers with unready status: [b]", Json.String(ready, "message"));
    }

    [Fact]
    public void CrashLoopShowsWaitingWithTheLastTermination()
    {
        var t = Exited("a", 137);
        t.RestartCount = 3;
        t.Waiting = new WaitingInfo("CrashLoopBackOff", "back-off 40s restarting failed container=a pod=web_default(u1)");
        var s = PodStatusBuilder.Build(new(Pod(), null, [], [Running("b"), t], "10.244.0.5", "192.0.2.2", true, Now));
        Assert.Equal("Running", Json.String(s, "phase"));
        var a = s["containerStatuses"]![0]!;
        Assert.Equal("CrashLoopBackOff", Json.String(a, "state", "waiting", "reason"));
        Assert.Equal(137, Json.Long(a, "lastState", "terminated", "exitCode"));
        Assert.Equal(3, Json.Long(a, "restartCount"));
        Assert.False(Json.Bool(a, "ready"));
    }

    [Theory]
    [InlineData("Always", 0, 0, "Running")]
    [InlineData("Never", 0, 0, "Succeeded")]
    [InlineData("Never", 0, 1, "Failed")]
    [InlineData("OnFailure", 0, 0, "Succeeded")]
    [InlineData("OnFailure", 1, 0, "Running")]
    public void PhaseOnceAllStopped(string policy, int codeA, int codeB, string phase) =>
        Assert.Equal(phase, PodStatusBuilder.Phase(Pod(policy), [], [Exited("a", codeA), Exited("b", codeB)], "Running"));

    [Fact]
    public void PendingUntilInitContainersSucceedAndWhileWaiting()
    {
        var init = Exited("i", 1);
        Assert.Equal("Pending", PodStatusBuilder.Phase(Pod(), [init], [new ContainerTrack("a", ContainerKind.Regular)], null));
        Assert.Equal("Failed", PodStatusBuilder.Phase(Pod("Never"), [init], [new ContainerTrack("a", ContainerKind.Regular)], null));
        var waiting = new ContainerTrack("a", ContainerKind.Regular) { Waiting = new WaitingInfo("ErrImagePull", "x") };
        Assert.Equal("Pending", PodStatusBuilder.Phase(Pod(), [Exited("i", 0)], [waiting, Running("b")], null));
        var s = PodStatusBuilder.Build(new(Pod(), null, [Exited("i", 1)], [new ContainerTrack("a", ContainerKind.Regular), new ContainerTrack("b", ContainerKind.Regular)], "10.244.0.5", "h", true, Now));
        Assert.Equal("containers with incomplete status: [i]", Json.String(Condition(s, "Initialized"), "message"));
        Assert.Equal("ContainerCreating", Json.String(s["containerStatuses"]![0], "state", "waiting", "reason"));
    }

    [Fact]
    public void TerminalPhaseSticksAndDeletionEndsByExitCodes()
    {
        Assert.Equal("Succeeded", PodStatusBuilder.Phase(Pod(), [], [Running("a")], "Succeeded"));
        Assert.Equal("Failed", PodStatusBuilder.Phase(Pod(), [], [Exited("a", 137), Exited("b", 0)], "Running", terminated: true));
        Assert.Equal("Succeeded", PodStatusBuilder.Phase(Pod(), [], [Exited("a", 0), Exited("b", 0)], "Running", terminated: true));
    }

    [Fact]
    public void TransitionTimesAndForeignConditionsAreKept()
    {
        var old = JsonNode.Parse("""
            {"phase":"Running","startTime":"2025-12-31T00:00:00Z","conditions":[
              {"type":"Ready","status":"True","lastTransitionTime":"2025-12-31T00:00:01Z"},
              {"type":"PodScheduled","status":"True","lastTransitionTime":"2025-12-31T00:00:00Z"},
              {"type":"DisruptionTarget","status":"True"}]}
            """)!.AsObject();
        var s = PodStatusBuilder.Build(new(Pod(), old, [], [Running("a"), Running("b")], "10.244.0.5", "h", true, Now));
        Assert.Equal("2025-12-31T00:00:01Z", Json.String(Condition(s, "Ready"), "lastTransitionTime"));
        Assert.Equal("2026-01-01T00:00:10Z", Json.String(Condition(s, "ContainersReady"), "lastTransitionTime"));
        Assert.NotNull(Condition(s, "DisruptionTarget"));
        Assert.Equal("2025-12-31T00:00:00Z", Json.String(s, "startTime"));
    }

    private static JsonObject? Condition(JsonObject status, string type) =>
        status["conditions"]!.AsArray().OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == type);

    private static Dictionary<string, string> Conditions(JsonObject status) =>
        status["conditions"]!.AsArray().OfType<JsonObject>().ToDictionary(c => Json.String(c, "type")!, c => Json.String(c, "status")!);
}
