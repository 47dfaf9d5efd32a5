using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.CronJobs;
using Berth.Controllers.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Berth.Controllers.Tests.Integration;

/// <summary>
/// CronJobs with the controller on a fake clock: the cluster's own cronjob controller is off, the test's runs with
/// a <see cref="FakeTimeProvider"/> started at the real time (objects are stamped by the server's real clock).
/// </summary>
[Trait("Tier", "Integration")]
public sealed class CronJobTests
{
    private static JsonObject CronJob(string ns, string name, string schedule, JsonObject? extra = null)
    {
        var spec = new JsonObject
        {
            ["schedule"] = schedule,
            ["jobTemplate"] = new JsonObject
            {
                ["spec"] = new JsonObject { ["template"] = TestObjects.Template(name, "busybox:1.36", "Never") },
            },
        };
        foreach (var (k, v) in extra ?? [])
        {
            spec[k] = v?.DeepClone();
        }

        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "CronJob",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
    }

    private static async Task<(TestCluster Cluster, FakeTimeProvider Time, ControllerHarness Harness)> StartAsync()
    {
        var cluster = await TestCluster.StartAsync(new WorkloadOptions { Disabled = new HashSet<string> { "cronjob" } });
        await cluster.AddNodeAsync("bt-node-1");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var harness = await ControllerHarness.StartAsync(cluster, time, c => new CronJobController(c));
        return (cluster, time, harness);
    }

    /// <summary>Moves the fake clock to just after the next multiple of <paramref name="minutes"/> minutes.</summary>
    private static DateTimeOffset AdvanceToNext(FakeTimeProvider time, int minutes)
    {
        var now = time.GetUtcNow();
        var epochMinutes = now.ToUnixTimeSeconds() / 60;
        var target = DateTimeOffset.FromUnixTimeSeconds((epochMinutes / minutes + 1) * minutes * 60);
        time.Advance(target - now + TimeSpan.FromSeconds(1));
        return target;
    }

    [Fact]
    public async Task Runs_jobs_on_schedule_records_success_and_keeps_the_history_limit()
    {
        var (cluster, time, harness) = await StartAsync();
        await using var _ = cluster;
        await using var __ = harness;
        var ns = await cluster.NamespaceAsync("cron");
        cluster.Kubelet.SetPolicy(ns, _ => PodPlan.Now(PodOutcome.Succeed));
        var cronJobs = cluster.Type("batch", "cronjobs");
        var jobs = cluster.Type("batch", "jobs");
        await cluster.CreateAsync(cronJobs, CronJob(ns, "tick", "*/5 * * * *", new JsonObject { ["successfulJobsHistoryLimit"] = 2 }));

        var names = new List<string>();
        for (var run = 0; run < 3; run++)
        {
            var at = AdvanceToNext(time, 5);
            var expected = $"tick-{at.ToUnixTimeSeconds() / 60}";
            names.Add(expected);
            var job = await Wait.ForAsync(async () => (await cluster.ListAsync(jobs, ns)).FirstOrDefault(j => Json.String(j, "metadata", "name") == expected),
                j => j is not null && (Json.Array(j, "status", "conditions") ?? []).OfType<JsonObject>().Any(c => Json.String(c, "type") == "Complete"),
                $"job {expected} complete", describe: j => j?.ToJsonString() ?? "none");
            Assert.Equal(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                Json.String(job!, "metadata", "annotations", CronJobController.ScheduledTimestampAnnotation));
            var cj = await Wait.ForAsync(() => cluster.GetAsync(cronJobs, ns, "tick"),
                c => Json.Array(c, "status", "active") is null && Json.String(c, "status", "lastSuccessfulTime") is not null
                    && Json.String(c, "status", "lastScheduleTime") == at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                "the run recorded", describe: c => c["status"]?.ToJsonString() ?? "");
        }

        // Two successful jobs are kept; the oldest went.
        var left = await Wait.ForAsync(async () => (await cluster.ListAsync(jobs, ns)).Select(j => Json.String(j, "metadata", "name")!).Order().ToList(),
            l => l.Count == 2, "history trimmed to 2", describe: l => string.Join(",", l));
        Assert.Equal(names.Skip(1).Order(), left);
    }

    [Fact]
    public async Task Forbid_skips_while_a_job_runs_and_Replace_replaces_it()
    {
        var (cluster, time, harness) = await StartAsync();
        await using var _ = cluster;
        await using var __ = harness;
        var ns = await cluster.NamespaceAsync("cronpolicy");
        var cronJobs = cluster.Type("batch", "cronjobs");
        var jobs = cluster.Type("batch", "jobs");
        // Pods run forever: a job stays active.
        await cluster.CreateAsync(cronJobs, CronJob(ns, "once", "* * * * *", new JsonObject { ["concurrencyPolicy"] = "Forbid" }));
        var first = AdvanceToNext(time, 1);
        await Wait.UntilAsync(async () => (await cluster.ListAsync(jobs, ns)).Count == 1, "the first job");
        await Wait.ForAsync(() => cluster.GetAsync(cronJobs, ns, "once"), c => Json.Array(c, "status", "active")?.Count == 1, "the job active");

        var second = AdvanceToNext(time, 1);
        await Wait.UntilAsync(async () => (await cluster.ListAsync(cluster.Type("", "events"), ns)).Any(e => Json.String(e, "reason") == "JobAlreadyActive"),
            "a JobAlreadyActive event", describe: async () => $"now {time.GetUtcNow():O} second {second:O}\n{(await cluster.GetAsync(cronJobs, ns, "once"))["status"]?.ToJsonString()}\n{await cluster.EventsAsync(ns)}\n{await cluster.DescribeAsync(ns)}");
        Assert.Single(await cluster.ListAsync(jobs, ns));

        await cluster.UpdateAsync(cronJobs, ns, "once", c => c["spec"]!["concurrencyPolicy"] = "Replace");
        var third = AdvanceToNext(time, 1);
        var replaced = await Wait.ForAsync(async () => (await cluster.ListAsync(jobs, ns)).Where(j => Json.String(j, "metadata", "deletionTimestamp") is null).ToList(),
            l => l.Count == 1 && Json.String(l[0], "metadata", "name") == CronJobController.JobName("once", third), "the job replaced",
            describe: l => string.Join(",", l.Select(j => Json.String(j, "metadata", "name"))));
        Assert.NotEqual(CronJobController.JobName("once", first), Json.String(replaced[0], "metadata", "name"));
    }

    [Fact]
    public async Task Suspended_cron_job_starts_nothing()
    {
        var (cluster, time, harness) = await StartAsync();
        await using var _ = cluster;
        await using var __ = harness;
        var ns = await cluster.NamespaceAsync("cronsuspend");
        var cronJobs = cluster.Type("batch", "cronjobs");
        await cluster.CreateAsync(cronJobs, CronJob(ns, "paused", "* * * * *", new JsonObject { ["suspend"] = true }));
        AdvanceToNext(time, 1);
        AdvanceToNext(time, 1);
        await cluster.UpdateAsync(cronJobs, ns, "paused", c => c["metadata"]!["labels"] = new JsonObject { ["poke"] = "1" });
        await Wait.ForAsync(() => cluster.GetAsync(cronJobs, ns, "paused"), c => c["metadata"]!["labels"] is not null, "the update seen");
        Assert.Empty(await cluster.ListAsync(cluster.Type("batch", "jobs"), ns));

        await cluster.UpdateAsync(cronJobs, ns, "paused", c => c["spec"]!["suspend"] = false);
        await Wait.UntilAsync(async () => (await cluster.ListAsync(cluster.Type("batch", "jobs"), ns)).Count == 1, "a job once resumed (the missed run)");
    }
}
