using System.Text.Json.Nodes;
using Berth.Api.Resources.Kinds;
using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class PodPrinterTests
{
    private const string TwoContainers = """[{"name":"a","image":"x"},{"name":"b","image":"y"}]""";

    [Theory]
    // Scheduled and waiting for the runtime.
    [InlineData(TwoContainers, """{"phase":"Pending"}""", null, "0/2", "Pending", "0")]
    [InlineData(TwoContainers, """{"phase":"Pending","containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ContainerCreating"}}},{"name":"b","state":{"waiting":{"reason":"ContainerCreating"}}}]}""", null, "0/2", "ContainerCreating", "0")]
    // Running: READY counts ready running containers.
    [InlineData(TwoContainers, """{"phase":"Running","containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}},{"name":"b","ready":false,"state":{"running":{}}}]}""", null, "1/2", "Running", "0")]
    // Image problems surface as the waiting reason.
    [InlineData(TwoContainers, """{"phase":"Pending","containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ErrImagePull"}}},{"name":"b","ready":true,"state":{"running":{}}}]}""", null, "1/2", "ErrImagePull", "0")]
    [InlineData(TwoContainers, """{"phase":"Pending","containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ImagePullBackOff"}}},{"name":"b","state":{"waiting":{"reason":"ContainerCreating"}}}]}""", null, "0/2", "ImagePullBackOff", "0")]
    // Crash loops count restarts and say when the last one was.
    [InlineData(TwoContainers, """{"phase":"Running","containerStatuses":[{"name":"a","restartCount":5,"lastState":{"terminated":{"exitCode":1,"finishedAt":"2026-11-30T11:55:00Z"}},"state":{"waiting":{"reason":"CrashLoopBackOff"}}},{"name":"b","ready":true,"state":{"running":{}}}]}""", null, "1/2", "CrashLoopBackOff", "5 (5m ago)")]
    // Finished pods.
    [InlineData("""[{"name":"a","image":"x"}]""", """{"phase":"Succeeded","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", null, "0/1", "Completed", "0")]
    [InlineData("""[{"name":"a","image":"x"}]""", """{"phase":"Failed","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":2,"reason":"Error"}}}]}""", null, "0/1", "Error", "0")]
    [InlineData("""[{"name":"a","image":"x"}]""", """{"phase":"Failed","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":137}}}]}""", null, "0/1", "ExitCode:137", "0")]
    [InlineData("""[{"name":"a","image":"x"}]""", """{"phase":"Failed","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":0,"signal":9}}}]}""", null, "0/1", "Signal:9", "0")]
    // A completed container next to a running one reads Running (or NotReady).
    [InlineData(TwoContainers, """{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}},{"name":"b","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", null, "1/2", "Running", "0")]
    [InlineData(TwoContainers, """{"phase":"Running","containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}},{"name":"b","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", null, "1/2", "NotReady", "0")]
    // Pod-level reason (evictions).
    [InlineData("""[{"name":"a","image":"x"}]""", """{"phase":"Failed","reason":"Evicted"}""", null, "0/1", "Evicted", "0")]
    // Deletion in progress.
    [InlineData("""[{"name":"a","image":"x"}]""", """{"phase":"Running","containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}}]}""", "2026-11-30T11:59:00Z", "1/1", "Terminating", "0")]
    [InlineData("""[{"name":"a","image":"x"}]""", """{"phase":"Succeeded"}""", "2026-11-30T11:59:00Z", "0/1", "Succeeded", "0")]
    [InlineData("""[{"name":"a","image":"x"}]""", """{"phase":"Running","reason":"NodeLost"}""", "2026-11-30T11:59:00Z", "0/1", "Unknown", "0")]
    public void Status_ready_and_restarts_follow_printPod(string containers, string status, string? deletion, string ready, string reason, string restarts)
    {
        var pod = Pod(containers, status, deletion);
        var (r, t, s, rs) = PodPrinter.Summarise(pod, Pipeline.Now);
        Assert.Equal(ready, $"{r}/{t}");
        Assert.Equal(reason, s);
        Assert.Equal(restarts, rs);
    }

    [Theory]
    [InlineData("""{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"waiting":{"reason":"PodInitializing"}}},{"name":"i2","state":{"waiting":{}}}]}""", "Init:0/2")]
    [InlineData("""{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":0}}},{"name":"i2","state":{"running":{}}}]}""", "Init:1/2")]
    [InlineData("""{"phase":"Pending","initContainerStatuses":[{"name":"i1","restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}""", "Init:CrashLoopBackOff")]
    [InlineData("""{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":1,"reason":"Error"}}}]}""", "Init:Error")]
    [InlineData("""{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":3}}}]}""", "Init:ExitCode:3")]
    [InlineData("""{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":0}}},{"name":"i2","state":{"terminated":{"exitCode":0}}}],"containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ContainerCreating"}}}]}""", "ContainerCreating")]
    [InlineData("""{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}""", "SchedulingGated")]
    public void Init_containers_are_reported_first(string status, string reason)
    {
        var pod = Pod("""[{"name":"a","image":"x"}]""", status, null);
        pod["spec"]!["initContainers"] = JsonNode.Parse("""[{"name":"i1","image":"x"},{"name":"i2","image":"x"}]""");
        Assert.Equal(reason, PodPrinter.Summarise(pod, Pipeline.Now).Status);
    }

    [Fact]
    public void Started_sidecars_count_in_ready_and_total()
    {
        var pod = Pod("""[{"name":"a","image":"x"}]""", """
            {"phase":"Running","initContainerStatuses":[{"name":"proxy","started":true,"ready":true,"restartCount":1,"state":{"running":{}}}],
             "containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}}]}
            """, null);
        pod["spec"]!["initContainers"] = JsonNode.Parse("""[{"name":"proxy","image":"envoy","restartPolicy":"Always"}]""");
        var (ready, total, status, restarts) = PodPrinter.Summarise(pod, Pipeline.Now);
        Assert.Equal((2, 2, "Running", "1"), (ready, total, status, restarts));
    }

    [Fact]
    public void Cells_match_the_columns_including_wide_ones()
    {
        var pod = Pod("""[{"name":"a","image":"x"}]""", """{"phase":"Running","podIP":"10.88.0.4","podIPs":[{"ip":"10.88.0.4"}],"containerStatuses":[{"name":"a","ready":true,"state":{"running":{}}}]}""", null);
        pod["spec"]!["nodeName"] = "berth-1";
        pod["spec"]!["readinessGates"] = JsonNode.Parse("""[{"conditionType":"example.com/lb"}]""");
        var cells = new PodStrategy().Cells(pod, Pipeline.Now);
        Assert.Equal(new object?[] { "web", "1/1", "Running", "0", "60m", "10.88.0.4", "berth-1", "<none>", "0/1" }, cells);
        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"], new PodStrategy().Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], new PodStrategy().Columns.Select(c => c.Priority));
        Assert.Equal("name", new PodStrategy().Columns[0].Format);
    }

    [Fact]
    public void Pending_pods_show_none_for_ip_and_node()
    {
        var cells = new PodStrategy().Cells(Pod("""[{"name":"a","image":"x"}]""", """{"phase":"Pending"}""", null), Pipeline.Now);
        Assert.Equal("<none>", cells[5]);
        Assert.Equal("<none>", cells[6]);
    }

    private static JsonObject Pod(string containers, string status, string? deletion)
    {
        var pod = JsonNode.Parse($$$"""{"metadata":{"name":"web","creationTimestamp":"2026-11-30T11:00:00Z"},"spec":{"containers":{{{containers}}}},"status":{{{status}}}}""")!.AsObject();
        if (deletion is not null)
        {
            pod["metadata"]!["deletionTimestamp"] = deletion;
        }

        return pod;
    }
}
