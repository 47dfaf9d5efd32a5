using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Tests.Support;
using Xunit;

namespace Berth.Controllers.Tests.Integration;

/// <summary>A cluster whose Job back-off is 100 ms, so failure tests do not wait 10 s per retry.</summary>
public sealed class JobClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(new WorkloadOptions { JobBackoff = TimeSpan.FromMilliseconds(100) });
        await Cluster.AddNodeAsync("bt-node-1");
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}

[Trait("Tier", "Integration")]
public sealed class JobTests(JobClusterFixture fixture) : IClassFixture<JobClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    private ResourceType Jobs => Cluster.Type("batch", "jobs");

    private static JsonObject Job(string ns, string name, JsonObject spec)
    {
        spec["template"] ??= TestObjects.Template(name, "busybox:1.36", "Never");
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
    }

    private static JsonObject? Condition(JsonObject job, string type) =>
        (Json.Array(job, "status", "conditions") ?? []).OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == type && Json.String(c, "status") == "True");

    private async Task<JsonObject> FinishedAsync(string ns, string name, string type)
    {
        try
        {
            return await Wait.ForAsync(() => Cluster.GetAsync(Jobs, ns, name), j => Condition(j, type) is not null, $"job {name} {type}",
                describe: j => j["status"]?.ToJsonString() ?? "");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + await Cluster.DescribeAsync(ns), e);
        }
    }

    [Fact]
    public async Task Five_completions_with_parallelism_two_complete_never_running_more_than_two()
    {
        try
        {
            await FiveCompletionsAsync();
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n--- job controller log ---\n" + Cluster.Log);
        }
    }

    private async Task FiveCompletionsAsync()
    {
        var ns = await Cluster.NamespaceAsync("job");
        Cluster.Kubelet.SetPolicy(ns, _ => new PodPlan(PodOutcome.Succeed, TimeSpan.FromMilliseconds(150)));
        using var floor = new ReadyFloorMonitor(Cluster, ns);
        await floor.StartAsync();
        await Cluster.CreateAsync(Jobs, Job(ns, "work", new JsonObject { ["completions"] = 5, ["parallelism"] = 2 }));
        var job = await FinishedAsync(ns, "work", "Complete");
        Assert.True(5 == Json.Long(job, "status", "succeeded"), job["status"]!.ToJsonString() + "\n" + await Cluster.DescribeAsync(ns) + "\n" + await Cluster.EventsAsync(ns) + "\n" + Cluster.Log);
        Assert.True(0 == (Json.Long(job, "status", "failed") ?? 0), job["status"]!.ToJsonString() + "\n" + await Cluster.EventsAsync(ns));
        Assert.Equal(0, Json.Long(job, "status", "active"));
        Assert.NotNull(Json.String(job, "status", "startTime"));
        Assert.NotNull(Json.String(job, "status", "completionTime"));
        var pods = await Cluster.ListAsync(Cluster.Pods, ns);
        Assert.True(pods.Count == 5, $"{pods.Count} pods\n{job["status"]!.ToJsonString()}\n{await Cluster.DescribeAsync(ns)}\n{await Cluster.EventsAsync(ns)}\n{Cluster.Log}");
        Assert.All(pods, p =>
        {
            Assert.Equal("Succeeded", Json.String(p, "status", "phase"));
            Assert.Null(Json.Array(p, "metadata", "finalizers"));
            Assert.Equal("work", Json.String(p, "metadata", "labels", "batch.kubernetes.io/job-name"));
        });
        var seen = await floor.StopAsync();
        Assert.True(seen.MaxTotal <= 2, $"{seen.MaxTotal} pods were live at once (parallelism 2)\n{floor.Log}");
    }

    [Fact]
    public async Task Failing_job_stops_at_its_backoff_limit()
    {
        var ns = await Cluster.NamespaceAsync("jobfail");
        Cluster.Kubelet.SetPolicy(ns, _ => new PodPlan(PodOutcome.Fail, TimeSpan.FromMilliseconds(50)));
        await Cluster.CreateAsync(Jobs, Job(ns, "broken", new JsonObject { ["backoffLimit"] = 2 }));
        var job = await FinishedAsync(ns, "broken", "Failed");
        Assert.Equal("BackoffLimitExceeded", Json.String(Condition(job, "Failed"), "reason"));
        Assert.Equal("Job has reached the specified backoff limit", Json.String(Condition(job, "Failed"), "message"));
        Assert.Equal(3, Json.Long(job, "status", "failed"));
        Assert.Null(Condition(job, "Complete"));
        // No pod is made after the limit, and none keeps the tracking finalizer.
        await Wait.UntilAsync(async () => (await Cluster.ListAsync(Cluster.Pods, ns)).All(p => Json.Array(p, "metadata", "finalizers") is null), "finalizers removed");
        var pods = await Cluster.ListAsync(Cluster.Pods, ns);
        Assert.True(pods.Count == 3, $"{pods.Count} pods\n{job["status"]!.ToJsonString()}\n{await Cluster.DescribeAsync(ns)}\n{await Cluster.EventsAsync(ns)}");
        await Wait.UntilAsync(async () => (await Cluster.ListAsync(Cluster.Type("", "events"), ns))
            .Any(e => Json.String(e, "reason") == "BackoffLimitExceeded" && Json.String(e, "type") == "Warning"), "a BackoffLimitExceeded warning");
    }

    [Fact]
    public async Task Indexed_job_gives_each_pod_its_index()
    {
        var ns = await Cluster.NamespaceAsync("jobidx");
        Cluster.Kubelet.SetPolicy(ns, _ => new PodPlan(PodOutcome.Succeed, TimeSpan.FromMilliseconds(50)));
        await Cluster.CreateAsync(Jobs, Job(ns, "shard", new JsonObject { ["completions"] = 3, ["parallelism"] = 3, ["completionMode"] = "Indexed" }));
        var job = await FinishedAsync(ns, "shard", "Complete");
        Assert.Equal("0-2", Json.String(job, "status", "completedIndexes"));
        var pods = await Cluster.ListAsync(Cluster.Pods, ns);
        Assert.Equal(["0", "1", "2"], pods.Select(p => Json.String(p, "metadata", "annotations", "batch.kubernetes.io/job-completion-index")).Order());
        foreach (var pod in pods)
        {
            var index = Json.String(pod, "metadata", "annotations", "batch.kubernetes.io/job-completion-index");
            Assert.Equal(index, Json.String(pod, "metadata", "labels", "batch.kubernetes.io/job-completion-index"));
            Assert.Equal($"shard-{index}", Json.String(pod, "spec", "hostname"));
            Assert.StartsWith($"shard-{index}-", Json.String(pod, "metadata", "name"));
            var env = Json.Array(pod["spec"]!["containers"]![0], "env")!.OfType<JsonObject>().Single(e => Json.String(e, "name") == "JOB_COMPLETION_INDEX");
            Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", Json.String(env, "valueFrom", "fieldRef", "fieldPath"));
        }
    }

    [Fact]
    public async Task Active_deadline_fails_the_job_and_removes_its_pods()
    {
        var ns = await Cluster.NamespaceAsync("jobdeadline");
        await Cluster.CreateAsync(Jobs, Job(ns, "slow", new JsonObject { ["activeDeadlineSeconds"] = 1 }));
        var job = await FinishedAsync(ns, "slow", "Failed");
        Assert.Equal("DeadlineExceeded", Json.String(Condition(job, "Failed"), "reason"));
        await Wait.UntilAsync(async () => (await Cluster.ListAsync(Cluster.Pods, ns)).Count == 0, "the running pod removed");
    }

    [Fact]
    public async Task Suspended_job_starts_when_resumed_and_ttl_deletes_it_after_it_finished()
    {
        var ns = await Cluster.NamespaceAsync("jobsuspend");
        Cluster.Kubelet.SetPolicy(ns, _ => new PodPlan(PodOutcome.Succeed, TimeSpan.FromMilliseconds(50)));
        await Cluster.CreateAsync(Jobs, Job(ns, "later", new JsonObject { ["suspend"] = true, ["ttlSecondsAfterFinished"] = 1 }));
        var suspended = await FinishedAsync(ns, "later", "Suspended");
        Assert.Equal("JobSuspended", Json.String(Condition(suspended, "Suspended"), "reason"));
        Assert.Empty(await Cluster.ListAsync(Cluster.Pods, ns));

        // Completion and the TTL's deletion are a second apart: followed on a watch from the resume, so that neither
        // can be missed between two reads of a busy machine.
        var resumed = await Cluster.UpdateAsync(Jobs, ns, "later", j => j["spec"]!["suspend"] = false);
        var seen = new List<string>();
        var completed = false;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                var from = new ListOptions { ResourceVersion = Json.String(resumed, "metadata", "resourceVersion"), FieldSelector = "metadata.name=later" };
                await foreach (var e in Cluster.Api.WatchAsync(Jobs, ns, from, deadline.Token))
                {
                    seen.Add(e.Type);
                    completed |= Condition(e.Object, "Complete") is not null;
                    if (e.Type == ApiWatchEvent.Deleted)
                    {
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the resumed job was not completed and deleted by its TTL within 30 s (events: {string.Join(", ", seen)})");
            }
        }

        Assert.True(completed, $"the job was deleted without a Complete condition (events: {string.Join(", ", seen)})");
        Assert.Equal(ApiWatchEvent.Deleted, seen[^1]);
        await Wait.UntilAsync(async () => (await Cluster.ListAsync(Cluster.Pods, ns)).Count == 0, "its pods deleted with it", TimeSpan.FromSeconds(20));
    }
}
