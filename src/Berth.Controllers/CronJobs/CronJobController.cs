using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Events;
using Berth.Controllers.Jobs;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.CronJobs;

/// <summary>
/// Starts Jobs on a schedule, as kube's cronjob controller (pkg/controller/cronjob/cronjob_controllerv2.go):
/// <code>
///   cronjob / job event, or the next schedule time ─▶ key
///   ─▶ status.active: finished Jobs leave it (lastSuccessfulTime from the latest completion), missing Jobs too
///   ─▶ suspended or being deleted ─▶ stop
///   ─▶ the most recent unmet schedule time t ≤ now (after lastScheduleTime, or creation, or now − startingDeadlineSeconds)
///        none ─▶ wait for the next;   t older than startingDeadlineSeconds ─▶ MissSchedule
///        Forbid with an active Job ─▶ JobAlreadyActive;  Replace ─▶ active Jobs deleted
///        ─▶ Job NAME-(t in minutes since the epoch) from jobTemplate, annotated with the scheduled time
///        ─▶ active += it, lastScheduleTime = t
///   ─▶ finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit deleted, oldest first
/// </code>
/// Time comes from the controller's <see cref="TimeProvider"/>, so tests run it forward.
/// </summary>
public sealed class CronJobController(ControllerContext context) : Controller("cronjob", context, workers: 2)
{
    public const string Component = "cronjob-controller";
    public const string ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

    // The resourceVersion of this controller's last status write per CronJob: a sync does not act on an older copy
    // (its active list would miss the Job it just started, and Forbid would start another).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _written = new(StringComparer.Ordinal);
    private ResourceType _cronType = null!;
    private ResourceType _jobType = null!;
    private Informer<JsonObject> _cronJobs = null!;
    private Informer<JsonObject> _jobs = null!;
    private EventRecorder _events = null!;

    public override void Setup()
    {
        _cronType = Context.Type("batch", "cronjobs");
        _jobType = Context.Type("batch", "jobs");
        _events = EventRecorder.For(Context, Component);
        _cronJobs = Context.Informers.For(_cronType);
        _jobs = Context.Informers.For(_jobType);
        Indexes.AddNamespace(_jobs);
        Indexes.AddControllerUid(_jobs);

        _cronJobs.OnAdd(c => Queue.Add(Meta.Key(c)));
        _cronJobs.OnUpdate((_, c) => Queue.Add(Meta.Key(c)));
        _jobs.OnAdd(JobChanged);
        _jobs.OnUpdate((_, j) => JobChanged(j));
        _jobs.OnDelete(JobChanged);
    }

    private void JobChanged(JsonObject job)
    {
        if (Meta.ControllerOf(job) is { Kind: "CronJob" } c && _cronJobs.Get(Meta.Namespace(job), c.Name) is { } cj && Meta.Uid(cj) == c.Uid)
        {
            Queue.Add(Meta.Key(cj));
        }
    }

    /// <summary><c>getJobName</c>: NAME-(scheduled time in minutes since the epoch).</summary>
    public static string JobName(string cronJob, DateTimeOffset scheduled) =>
        $"{cronJob}-{(scheduled.ToUnixTimeSeconds() / 60).ToString(CultureInfo.InvariantCulture)}";

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var cached = _cronJobs.Get(key);
        if (cached is null)
        {
            _written.TryRemove(key, out _);
            return;
        }

        if (_written.TryGetValue(key, out var written) && Version(cached) < written)
        {
            Queue.AddAfter(key, TimeSpan.FromMilliseconds(200));
            return;
        }

        var cj = Meta.Copy(cached);
        var now = Context.Time.GetUtcNow();
        var status = (JsonObject)(Json.Object(cj, "status") ?? []).DeepClone();
        var active = (status["active"] as JsonArray)?.OfType<JsonObject>().Select(a => (JsonObject)a.DeepClone()).ToList() ?? [];
        var jobs = _jobs.ByIndex(Indexes.ControllerUid, Meta.Uid(cj));
        var children = jobs.Select(Meta.Uid).ToHashSet(StringComparer.Ordinal);

        foreach (var job in jobs)
        {
            var listed = active.Any(a => Json.String(a, "uid") == Meta.Uid(job));
            if (!listed && !JobInfo.IsFinished(job) && !Meta.IsDeleting(job))
            {
                // A running Job of ours missing from the list (a status write lost after it was made): it is active.
                active.Add(Reference(job));
                continue;
            }

            if (listed && JobInfo.IsFinished(job))
            {
                active.RemoveAll(a => Json.String(a, "uid") == Meta.Uid(job));
                var condition = Conditions.IsTrue(Json.Object(job, "status"), "Complete") ? "Complete" : "Failed";
                await _events.NormalAsync(cj, "SawCompletedJob", $"Saw completed job: {Meta.Name(job)}, condition: {condition}", ct);
            }

            if (Conditions.IsTrue(Json.Object(job, "status"), "Complete")
                && Timestamps.Parse(Json.String(job, "status", "completionTime")) is { } done
                && (Timestamps.Parse(Json.String(status, "lastSuccessfulTime")) is not { } last || done > last))
            {
                status["lastSuccessfulTime"] = Timestamps.Format(done);
            }
        }

        foreach (var reference in active.ToList())
        {
            if (children.Contains(Json.String(reference, "uid") ?? ""))
            {
                continue;
            }

            try
            {
                var live = await Api.GetAsync(_jobType, Json.String(reference, "namespace"), Json.String(reference, "name") ?? "", ct);
                if (Meta.Uid(live) == Json.String(reference, "uid"))
                {
                    continue;
                }
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }

            active.Remove(reference);
            await _events.NormalAsync(cj, "MissingJob", $"Active job went missing: {Json.String(reference, "name")}", ct);
        }

        SetActive(status, active);
        await CleanupAsync(cj, jobs, ct);
        if (Meta.IsDeleting(cj) || Json.Bool(cj, "spec", "suspend") == true)
        {
            await WriteStatusAsync(cj, status, ct);
            return;
        }

        CronSchedule schedule;
        try
        {
            schedule = CronSchedule.Parse(Json.String(cj, "spec", "schedule") ?? "", Json.String(cj, "spec", "timeZone"));
        }
        catch (TimeZoneNotFoundException)
        {
            await _events.WarningAsync(cj, "UnknownTimeZone", $"invalid timeZone: \"{Json.String(cj, "spec", "timeZone")}\"", ct);
            await WriteStatusAsync(cj, status, ct);
            return;
        }
        catch (FormatException e)
        {
            await _events.WarningAsync(cj, "UnparseableSchedule", $"unparseable schedule: \"{Json.String(cj, "spec", "schedule")}\" : {e.Message}", ct);
            await WriteStatusAsync(cj, status, ct);
            return;
        }

        var deadline = Json.Long(cj, "spec", "startingDeadlineSeconds");
        var earliest = Timestamps.Parse(Json.String(status, "lastScheduleTime")) ?? Meta.Created(cj);
        if (deadline is { } d && now.AddSeconds(-d) > earliest)
        {
            earliest = now.AddSeconds(-d);
        }

        var (scheduled, missed, next) = schedule.MostRecent(earliest, now);
        if (missed > CronSchedule.MaxMissed)
        {
            await _events.WarningAsync(cj, "TooManyMissedTimes",
                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew", ct);
        }

        if (scheduled is { } t && (deadline is not { } dl || t.AddSeconds(dl) >= now)
            && !active.Any(a => Json.String(a, "name") == JobName(Meta.Name(cj), t))
            && Timestamps.Parse(Json.String(status, "lastScheduleTime")) != Timestamps.Truncate(t))
        {
            await StartAsync(cj, status, active, t, ct);
        }
        else if (scheduled is { } missedTime && deadline is { } late && missedTime.AddSeconds(late) < now)
        {
            await _events.WarningAsync(cj, "MissSchedule", $"Missed scheduled time to start a job: {Timestamps.Format(missedTime)}", ct);
        }

        await WriteStatusAsync(cj, status, ct);
        if (next is { } n)
        {
            Queue.AddAfter(key, n - Context.Time.GetUtcNow() + TimeSpan.FromMilliseconds(100));
        }
    }

    private async Task StartAsync(JsonObject cj, JsonObject status, List<JsonObject> active, DateTimeOffset scheduled, CancellationToken ct)
    {
        var policy = Json.String(cj, "spec", "concurrencyPolicy") ?? "Allow";
        if (policy == "Forbid" && active.Count > 0)
        {
            await _events.NormalAsync(cj, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid", ct);
            return;
        }

        if (policy == "Replace")
        {
            foreach (var reference in active.ToList())
            {
                try
                {
                    await Api.DeleteAsync(_jobType, Json.String(reference, "namespace"), Json.String(reference, "name") ?? "",
                        new DeleteOptions { PropagationPolicy = "Background", PreconditionUid = Json.String(reference, "uid") }, ct);
                    await _events.NormalAsync(cj, "SuccessfulDelete", $"Deleted job {Json.String(reference, "name")}", ct);
                }
                catch (ApiException e) when (e.Code is 404 or 409)
                {
                }

                active.Remove(reference);
            }
        }

        var job = NewJob(cj, scheduled);
        JsonObject created;
        try
        {
            created = await Api.CreateAsync(_jobType, Meta.Namespace(cj), job, ct);
            await _events.NormalAsync(cj, "SuccessfulCreate", $"Created job {Meta.Name(created)}", ct);
        }
        catch (ApiException e) when (e.Code == 409 && e.Reason == "AlreadyExists")
        {
            // Made by an earlier sync whose status write was lost: adopt it into the active list if it is ours.
            created = await Api.GetAsync(_jobType, Meta.Namespace(cj), Meta.Name(job), ct);
            if (Meta.ControllerUid(created) != Meta.Uid(cj))
            {
                return;
            }
        }
        catch (ApiException e)
        {
            await _events.WarningAsync(cj, "FailedCreate", $"Error creating job: {e.Message}", ct);
            throw;
        }

        if (!active.Any(a => Json.String(a, "uid") == Meta.Uid(created)))
        {
            active.Add(Reference(created));
        }

        SetActive(status, active);
        status["lastScheduleTime"] = Timestamps.Format(scheduled);
    }

    private JsonObject Reference(JsonObject job) => new()
    {
        ["kind"] = "Job",
        ["namespace"] = Meta.Namespace(job),
        ["name"] = Meta.Name(job),
        ["uid"] = Meta.Uid(job),
        ["apiVersion"] = _jobType.ApiVersion,
        ["resourceVersion"] = Json.String(job, "metadata", "resourceVersion"),
    };

    private static long Version(JsonObject obj) =>
        long.TryParse(Json.String(obj, "metadata", "resourceVersion"), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;

    /// <summary><c>getJobFromTemplate2</c>.</summary>
    private JsonObject NewJob(JsonObject cj, DateTimeOffset scheduled)
    {
        var template = Json.Object(cj, "spec", "jobTemplate");
        var annotations = (JsonObject?)Json.Object(template, "metadata", "annotations")?.DeepClone() ?? [];
        var zone = TimeZoneInfo.Utc;
        try
        {
            zone = CronSchedule.Parse(Json.String(cj, "spec", "schedule") ?? "", Json.String(cj, "spec", "timeZone")).Zone;
        }
        catch (Exception e) when (e is FormatException or TimeZoneNotFoundException)
        {
        }

        annotations[ScheduledTimestampAnnotation] = Rfc3339(TimeZoneInfo.ConvertTime(scheduled, zone));
        return new JsonObject
        {
            ["apiVersion"] = _jobType.ApiVersion,
            ["kind"] = _jobType.Kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = JobName(Meta.Name(cj), scheduled),
                ["namespace"] = Meta.Namespace(cj),
                ["labels"] = Json.Object(template, "metadata", "labels")?.DeepClone() ?? new JsonObject(),
                ["annotations"] = annotations,
                ["ownerReferences"] = new JsonArray(Meta.ControllerRef(cj, _cronType)),
            },
            ["spec"] = Json.Object(template, "spec")?.DeepClone() ?? new JsonObject(),
        };
    }

    /// <summary>Go's <c>time.RFC3339</c>: <c>Z</c> for UTC, else the offset.</summary>
    public static string Rfc3339(DateTimeOffset t) =>
        t.ToString(t.Offset == TimeSpan.Zero ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static void SetActive(JsonObject status, List<JsonObject> active)
    {
        if (active.Count == 0)
        {
            status.Remove("active");
        }
        else
        {
            status["active"] = new JsonArray([.. active.Select(a => (JsonNode)a.DeepClone())]);
        }
    }

    /// <summary><c>cleanupFinishedJobs</c>: finished Jobs beyond the history limits, oldest start first.</summary>
    private async Task CleanupAsync(JsonObject cj, IReadOnlyList<JsonObject> jobs, CancellationToken ct)
    {
        var successLimit = (int)(Json.Long(cj, "spec", "successfulJobsHistoryLimit") ?? 3);
        var failedLimit = (int)(Json.Long(cj, "spec", "failedJobsHistoryLimit") ?? 1);
        foreach (var (type, limit) in new[] { ("Complete", successLimit), ("Failed", failedLimit) })
        {
            var finished = jobs.Where(j => !Meta.IsDeleting(j) && Conditions.IsTrue(Json.Object(j, "status"), type))
                .OrderBy(j => Timestamps.Parse(Json.String(j, "status", "startTime")) ?? DateTimeOffset.MaxValue)
                .ThenBy(Meta.Name, StringComparer.Ordinal).ToList();
            foreach (var job in finished.Take(Math.Max(0, finished.Count - limit)))
            {
                try
                {
                    await Api.DeleteAsync(_jobType, Meta.Namespace(job), Meta.Name(job),
                        new DeleteOptions { PropagationPolicy = "Background", PreconditionUid = Meta.Uid(job) }, ct);
                    await _events.NormalAsync(cj, "SuccessfulDelete", $"Deleted job {Meta.Name(job)}", ct);
                }
                catch (ApiException e) when (e.Code is 404 or 409)
                {
                }
            }
        }
    }

    private async Task WriteStatusAsync(JsonObject cj, JsonObject status, CancellationToken ct)
    {
        if (JsonNode.DeepEquals(Json.Object(cj, "status") ?? [], status))
        {
            return;
        }

        var copy = Meta.Copy(cj);
        copy["status"] = status;
        var written = await Api.UpdateAsync(_cronType, Meta.Namespace(copy), copy, "status", ct);
        _written[Meta.Key(written)] = Version(written);
    }
}
