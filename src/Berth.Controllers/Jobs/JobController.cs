using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Events;
using Berth.Controllers.ReplicaSets;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.Jobs;

/// <summary>
/// Runs Jobs to completion, as kube's job controller (pkg/controller/job/job_controller.go):
/// <code>
///   job / pod event ─▶ key ─▶ claim pods (selector, default batch.kubernetes.io/controller-uid=UID)
///   ─▶ count finished pods (job-tracking finalizer): uids into status.uncountedTerminatedPods ─▶ finalizers removed
///      ─▶ counted into status.succeeded / failed (a pod deleted before it succeeded counts as failed)
///   ─▶ failed &gt; backoffLimit ─▶ Failed BackoffLimitExceeded;  active longer than activeDeadlineSeconds ─▶ Failed DeadlineExceeded
///      (active pods deleted)
///   ─▶ suspended ─▶ active pods deleted, Suspended=True;  resumed ─▶ Suspended=False, startTime reset
///   ─▶ otherwise keep min(parallelism, remaining completions) pods active (Indexed: lowest pending indexes first),
///      after a back-off of 10 s doubling per consecutive failure; all completions ─▶ Complete, completionTime
/// </code>
/// A finished Job leaves its pods (minus finalizers); orphaned pods (Job gone) lose the finalizer too.
/// </summary>
public sealed partial class JobController(ControllerContext context, WorkloadOptions options) : Controller("job", context, workers: 2)
{
    public const string Component = "job-controller";
    public const int MaxPodsPerSync = 500;
    private const string OrphanPrefix = "orphan:";

    private readonly Expectations _expectations = new(context.Time);
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset? LastFailure)> _backoff = new(StringComparer.Ordinal);

    // Pods whose finalizer this controller removed while the cache may still show it: counted already (kube's
    // finalizer expectations), pod uid → Job key. Entries go when a sync's own pod list shows the pod without the
    // finalizer or no longer has it, never from an event handler: a sync holds its list while events arrive, and
    // forgetting an entry under it would count the pod twice.
    private readonly ConcurrentDictionary<string, string> _released = new(StringComparer.Ordinal);

    // The resourceVersion of this controller's last status write per Job: a sync must not act on an older copy
    // (its counters would be behind the pods it sees, and it would start pods that already ran).
    private readonly ConcurrentDictionary<string, long> _written = new(StringComparer.Ordinal);
    private ResourceType _jobType = null!;
    private ResourceType _podType = null!;
    private Informer<JsonObject> _jobs = null!;
    private Informer<JsonObject> _pods = null!;
    private EventRecorder _events = null!;

    public override void Setup()
    {
        _jobType = Context.Type("batch", "jobs");
        _podType = Context.Type("", "pods");
        _events = EventRecorder.For(Context, Component);
        _jobs = Context.Informers.For(_jobType);
        Indexes.AddNamespace(_jobs);
        _pods = Context.Informers.For(_podType);
        Indexes.AddPodIndexes(_pods);

        _jobs.OnAdd(j => Queue.Add(Meta.Key(j)));
        _jobs.OnUpdate((_, j) => Queue.Add(Meta.Key(j)));
        _jobs.OnDelete(j =>
        {
            Queue.Add(Meta.Key(j));
            foreach (var pod in _pods.ByIndex(Indexes.ControllerUid, Meta.Uid(j)))
            {
                PodChanged(pod);
            }
        });
        _pods.OnAdd(pod =>
        {
            if (Owner(pod) is { } job)
            {
                _expectations.CreationObserved(Meta.Key(job));
            }

            PodChanged(pod);
        });
        _pods.OnUpdate((old, pod) =>
        {
            if (Meta.IsDeleting(pod) && !Meta.IsDeleting(old) && Owner(pod) is { } job)
            {
                _expectations.DeletionObserved(Meta.Key(job), Meta.Key(pod));
            }

            PodChanged(pod);
        });
        _pods.OnDelete(pod =>
        {
            if (Owner(pod) is { } job)
            {
                _expectations.DeletionObserved(Meta.Key(job), Meta.Key(pod));
            }

            PodChanged(pod);
        });
    }

    private JsonObject? Owner(JsonObject pod)
    {
        if (Meta.ControllerOf(pod) is not { Kind: "Job" } c)
        {
            return null;
        }

        var job = _jobs.Get(Meta.Namespace(pod), c.Name);
        return job is not null && Meta.Uid(job) == c.Uid ? job : null;
    }

    private void PodChanged(JsonObject pod)
    {
        if (Owner(pod) is { } job)
        {
            Queue.Add(Meta.Key(job));
        }
        else if (JobPods.HasFinalizer(pod) && Meta.ControllerOf(pod) is { Kind: "Job" })
        {
            Queue.Add(OrphanPrefix + Meta.Key(pod));
        }
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        if (key.StartsWith(OrphanPrefix, StringComparison.Ordinal))
        {
            await ReleaseOrphanAsync(key[OrphanPrefix.Length..], ct);
            return;
        }

        var cached = _jobs.Get(key);
        if (cached is null)
        {
            _expectations.Forget(key);
            _backoff.TryRemove(key, out _);
            _written.TryRemove(key, out _);
            foreach (var (uid, owner) in _released)
            {
                if (owner == key)
                {
                    _released.TryRemove(uid, out _);
                }
            }

            return;
        }

        if (_written.TryGetValue(key, out var written) && ResourceVersion(cached) < written)
        {
            // The cache has not caught up with our last write; its event will bring the key back.
            Queue.AddAfter(key, TimeSpan.FromSeconds(1));
            return;
        }

        // Expectations are read before the pods: a pod observed after the list below must not make this sync act on a list without it.
        var satisfied = _expectations.Satisfied(key);
        var job = JobInfo.From(cached);
        var claimer = new ControllerRefManager(Api, _jobType, _podType);
        var candidates = _pods.ByIndex(Indexes.Namespace, Meta.Namespace(cached) ?? "")
            .Where(p => Meta.ControllerUid(p) == Meta.Uid(cached) || (Meta.ControllerOf(p) is null && Json.Object(cached, "spec", "selector") is not null));
        var pods = await claimer.ClaimAsync(cached, job.Selector, candidates, ct);

        if (JobInfo.IsFinished(cached))
        {
            foreach (var pod in pods.Where(JobPods.HasFinalizer))
            {
                await RemoveFinalizerAsync(pod, ct);
            }

            return;
        }

        (cached, _) = await CountFinishedAsync(job, pods, ct);
        job = JobInfo.From(cached);
        await SyncAsync(key, job, pods, satisfied, ct);
    }

    /// <summary>
    /// <c>trackJobStatusAndRemoveFinalizers</c>: finished pods still holding the finalizer are recorded as uncounted,
    /// lose the finalizer, and are then added to the counters, so no pod is counted twice or lost.
    /// </summary>
    private async Task<(JsonObject Job, HashSet<string> Counted)> CountFinishedAsync(JobInfo job, List<JsonObject> pods, CancellationToken ct)
    {
        var status = (JsonObject)job.Status.DeepClone();
        var jobKey = Meta.Key(job.Object);
        var listed = pods.ToDictionary(Meta.Uid, StringComparer.Ordinal);
        foreach (var (uid, owner) in _released)
        {
            if (owner == jobKey && (!listed.TryGetValue(uid, out var p) || !JobPods.HasFinalizer(p)))
            {
                _released.TryRemove(uid, out _);
            }
        }

        var uncounted = Json.EnsureObject(status, "uncountedTerminatedPods");
        var succeededUids = Uids(uncounted, "succeeded");
        var failedUids = Uids(uncounted, "failed");
        var completions = job.Completions ?? 0;
        var indexes = CompletedIndexes.Parse(Json.String(status, "completedIndexes"), completions);
        var fresh = pods.Where(p => Tracked(p) && (JobPods.Succeeded(p) || JobPods.Failed(p))
            && !succeededUids.Contains(Meta.Uid(p)) && !failedUids.Contains(Meta.Uid(p))).ToList();
        var counted = new HashSet<string>(succeededUids.Concat(failedUids), StringComparer.Ordinal);
        if (fresh.Count == 0 && counted.Count == 0)
        {
            return (job.Object, counted);
        }

        var now = Context.Time.GetUtcNow();
        var newFailures = 0;
        var newSuccess = false;
        DateTimeOffset? lastFailure = null;
        foreach (var pod in fresh)
        {
            counted.Add(Meta.Uid(pod));
            if (JobPods.Succeeded(pod))
            {
                succeededUids.Add(Meta.Uid(pod));
                newSuccess = true;
                if (job.Indexed && JobPods.Index(pod) is { } i && i < completions)
                {
                    indexes.Add(i);
                }
            }
            else
            {
                failedUids.Add(Meta.Uid(pod));
                newFailures++;
                var at = JobPods.FinishedAt(pod) ?? now;
                lastFailure = lastFailure is null || at > lastFailure ? at : lastFailure;
            }
        }

        var obj = job.Object;
        LogCounting(Logger, Meta.Key(obj), Json.String(obj, "metadata", "resourceVersion") ?? "", Json.Long(status, "succeeded") ?? 0,
            string.Join(",", fresh.Select(Meta.Name)), string.Join(",", counted));
        if (fresh.Count > 0)
        {
            // 1. Record the uids before the finalizers go.
            uncounted["succeeded"] = new JsonArray([.. succeededUids.Order().Select(u => (JsonNode)JsonValue.Create(u)!)]);
            uncounted["failed"] = new JsonArray([.. failedUids.Order().Select(u => (JsonNode)JsonValue.Create(u)!)]);
            if (job.Indexed)
            {
                status["completedIndexes"] = CompletedIndexes.Format(indexes);
            }

            obj = await WriteStatusAsync(obj, status, ct);
            var key = Meta.Key(obj);
            var (failures, previous) = _backoff.GetValueOrDefault(key);
            _backoff[key] = (newSuccess ? newFailures : failures + newFailures, lastFailure ?? previous);
        }

        // 2. Remove the finalizers of every recorded pod.
        foreach (var pod in pods.Where(p => Tracked(p) && counted.Contains(Meta.Uid(p))))
        {
            await RemoveFinalizerAsync(pod, ct);
        }

        // 3. Move them into the counters.
        status = (JsonObject)(Json.Object(obj, "status") ?? []).DeepClone();
        status["succeeded"] = (Json.Long(status, "succeeded") ?? 0) + succeededUids.Count;
        status["failed"] = (Json.Long(status, "failed") ?? 0) + failedUids.Count;
        status["uncountedTerminatedPods"] = new JsonObject();
        obj = await WriteStatusAsync(obj, status, ct);
        return (obj, counted);
    }

    /// <summary>Holds the finalizer as far as this controller knows.</summary>
    private bool Tracked(JsonObject pod) => JobPods.HasFinalizer(pod) && !_released.ContainsKey(Meta.Uid(pod));

    private static HashSet<string> Uids(JsonObject uncounted, string field) =>
        (Json.Array(uncounted, field) ?? []).Select(u => (u as JsonValue)?.ToString()).OfType<string>().ToHashSet(StringComparer.Ordinal);

    private async Task SyncAsync(string key, JobInfo job, List<JsonObject> pods, bool satisfied, CancellationToken ct)
    {
        var now = Context.Time.GetUtcNow();
        var status = (JsonObject)job.Status.DeepClone();
        var succeeded = (int)(Json.Long(status, "succeeded") ?? 0);
        var failed = (int)(Json.Long(status, "failed") ?? 0);
        var active = pods.Where(PodState.IsActive).ToList();
        var completions = job.Completions ?? 0;
        var indexes = CompletedIndexes.Parse(Json.String(status, "completedIndexes"), completions);

        if (!job.Suspended && Json.String(status, "startTime") is null)
        {
            status["startTime"] = Timestamps.Format(now);
        }

        var start = Timestamps.Parse(Json.String(status, "startTime"));
        JsonObject? failure = null;
        if (failed > job.BackoffLimit)
        {
            failure = Conditions.New("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
        }
        else if (!job.Suspended && job.ActiveDeadlineSeconds is { } deadline && start is { } s)
        {
            var left = s.AddSeconds(deadline) - now;
            if (left <= TimeSpan.Zero)
            {
                failure = Conditions.New("Failed", "True", "DeadlineExceeded", "Job was active longer than specified deadline", now);
            }
            else
            {
                Queue.AddAfter(key, left + TimeSpan.FromMilliseconds(100));
            }
        }

        var createdCount = 0;
        var deletedCount = 0;
        if (failure is not null)
        {
            deletedCount = await DeletePodsAsync(key, job, active, ct);
            Conditions.Set(status, failure);
            await _events.WarningAsync(job.Object, Json.String(failure, "reason")!, Json.String(failure, "message")!, ct);
        }
        else if (job.Suspended)
        {
            deletedCount = await DeletePodsAsync(key, job, active, ct);
            if (Conditions.Set(status, Conditions.New("Suspended", "True", "JobSuspended", "Job suspended", now)))
            {
                status.Remove("startTime");
                await _events.NormalAsync(job.Object, "Suspended", "Job suspended", ct);
            }
        }
        else
        {
            if (Conditions.IsTrue(status, "Suspended"))
            {
                Conditions.Set(status, Conditions.New("Suspended", "False", "JobResumed", "Job resumed", now));
                status["startTime"] = Timestamps.Format(now);
                await _events.NormalAsync(job.Object, "Resumed", "Job resumed", ct);
            }

            if (satisfied)
            {
                (createdCount, deletedCount) = job.Indexed
                    ? await ManageIndexedAsync(key, job, active, indexes, ct)
                    : await ManageAsync(key, job, active, succeeded, ct);
            }

            var activeNow = active.Count + createdCount - deletedCount;
            var complete = job.Indexed
                ? indexes.Count >= completions && activeNow == 0
                : job.Completions is null ? succeeded > 0 && activeNow == 0 : succeeded >= completions && activeNow == 0;
            if (complete)
            {
                Conditions.Set(status, Conditions.New("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", now));
                status["completionTime"] = Timestamps.Format(now);
                await _events.NormalAsync(job.Object, "Completed", "Job completed", ct);
            }
        }

        status["active"] = Math.Max(0, active.Count + createdCount - deletedCount);
        status["ready"] = active.Count(PodState.IsReady);
        status["succeeded"] = succeeded;
        status["failed"] = failed;
        if (job.Indexed)
        {
            status["completedIndexes"] = CompletedIndexes.Format(indexes);
        }

        status["uncountedTerminatedPods"] ??= new JsonObject();
        if (!JsonNode.DeepEquals(job.Status, status))
        {
            await WriteStatusAsync(job.Object, status, ct);
        }
    }

    /// <summary><c>manageJob</c> for NonIndexed jobs: returns pods created and deleted.</summary>
    private async Task<(int Created, int Deleted)> ManageAsync(string key, JobInfo job, List<JsonObject> active, int succeeded, CancellationToken ct)
    {
        int want;
        if (job.Completions is null)
        {
            want = succeeded > 0 ? active.Count : job.Parallelism;
        }
        else
        {
            want = Math.Clamp(job.Completions.Value - succeeded, 0, job.Parallelism);
        }

        LogManage(Logger, key, succeeded, string.Join(",", active.Select(p => $"{Meta.Name(p)}:{PodState.Phase(p)}")), want);
        if (active.Count > want)
        {
            var victims = PodRanking.ToDelete(active, active, active.Count - want, Context.Time.GetUtcNow());
            return (0, await DeletePodsAsync(key, job, victims, ct));
        }

        if (active.Count < want && await BackedOffAsync(key))
        {
            var count = Math.Min(want - active.Count, MaxPodsPerSync);
            return (await CreatePodsAsync(key, job, [.. Enumerable.Repeat<int?>(null, count)], ct), 0);
        }

        return (0, 0);
    }

    /// <summary><c>manageJob</c> for Indexed jobs: one active pod per pending index, lowest first; duplicates removed.</summary>
    private async Task<(int Created, int Deleted)> ManageIndexedAsync(string key, JobInfo job, List<JsonObject> active, SortedSet<int> done,
        CancellationToken ct)
    {
        var completions = job.Completions ?? 0;
        var seen = new HashSet<int>();
        var extra = new List<JsonObject>();
        foreach (var pod in active.OrderBy(Meta.Created))
        {
            if (JobPods.Index(pod) is not { } i || i >= completions || done.Contains(i) || !seen.Add(i))
            {
                extra.Add(pod);
            }
        }

        var deleted = await DeletePodsAsync(key, job, extra, ct);
        var want = Math.Min(job.Parallelism, completions - done.Count);
        var running = active.Count - extra.Count;
        if (running >= want || !await BackedOffAsync(key))
        {
            return (0, deleted);
        }

        var pending = Enumerable.Range(0, completions).Where(i => !done.Contains(i) && !seen.Contains(i)).Take(Math.Min(want - running, MaxPodsPerSync));
        return (await CreatePodsAsync(key, job, [.. pending.Select(i => (int?)i)], ct), deleted);
    }

    /// <summary>True when the back-off after the last failures has passed; otherwise requeues for then.</summary>
    private Task<bool> BackedOffAsync(string key)
    {
        var (failures, last) = _backoff.GetValueOrDefault(key);
        var left = JobBackoff.Remaining(failures, last, Context.Time.GetUtcNow(), options.JobBackoff, options.JobMaxBackoff);
        if (left <= TimeSpan.Zero)
        {
            return Task.FromResult(true);
        }

        Queue.AddAfter(key, left);
        return Task.FromResult(false);
    }

    private async Task<int> CreatePodsAsync(string key, JobInfo job, List<int?> indexes, CancellationToken ct)
    {
        if (indexes.Count == 0)
        {
            return 0;
        }

        _expectations.ExpectCreations(key, indexes.Count);
        var next = 0;
        var (created, attempted, error) = await SlowStart.RunAsync(indexes.Count, async () =>
        {
            var index = indexes[Interlocked.Increment(ref next) - 1];
            try
            {
                var made = await Api.CreateAsync(_podType, Meta.Namespace(job.Object), JobPods.NewPod(job, _jobType, index), ct);
                        await _events.NormalAsync(job.Object, "SuccessfulCreate", $"Created pod: {Meta.Name(made)}", ct);
            }
            catch (ApiException e)
            {
                _expectations.CreationFailed(key);
                await _events.WarningAsync(job.Object, "FailedCreate", $"Error creating: {e.Message}", ct);
                throw;
            }
        }, ct);
        for (var i = attempted; i < indexes.Count; i++)
        {
            _expectations.CreationFailed(key);
        }

        if (error is not null)
        {
            throw error;
        }

        return created;
    }

    private async Task<int> DeletePodsAsync(string key, JobInfo job, List<JsonObject> pods, CancellationToken ct)
    {
        if (pods.Count == 0)
        {
            return 0;
        }

        _expectations.ExpectDeletions(key, pods.Select(Meta.Key));
        var deleted = 0;
        foreach (var pod in pods)
        {
            try
            {
                await Api.DeleteAsync(_podType, Meta.Namespace(pod), Meta.Name(pod), new DeleteOptions { PreconditionUid = Meta.Uid(pod) }, ct);
                await _events.NormalAsync(job.Object, "SuccessfulDelete", $"Deleted pod: {Meta.Name(pod)}", ct);
                deleted++;
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
                _expectations.DeletionObserved(key, Meta.Key(pod));
            }
        }

        return deleted;
    }

    private async Task RemoveFinalizerAsync(JsonObject pod, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Api.UpdateAsync(_podType, Meta.Namespace(pod), JobPods.WithoutFinalizer(pod), null, ct);
                if (Meta.ControllerOf(pod) is { } owner)
                {
                    _released[Meta.Uid(pod)] = Informer<JsonObject>.KeyOf(Meta.Namespace(pod), owner.Name);
                }
                return;
            }
            catch (ApiException e) when (e.Code == 404)
            {
                return;
            }
            catch (ApiException e) when (e.Code == 409 && attempt < 5)
            {
                // The cached pod is stale: read it and try again.
                try
                {
                    var live = await Api.GetAsync(_podType, Meta.Namespace(pod), Meta.Name(pod), ct);
                    if (Meta.Uid(live) != Meta.Uid(pod) || !JobPods.HasFinalizer(live))
                    {
                        return;
                    }

                    pod = live;
                }
                catch (ApiException g) when (g.Code == 404)
                {
                    return;
                }
            }
        }
    }

    /// <summary>A pod whose Job is gone (confirmed by a live read) loses the job-tracking finalizer, so it can go.</summary>
    private async Task ReleaseOrphanAsync(string podKey, CancellationToken ct)
    {
        if (_pods.Get(podKey) is not { } pod || !JobPods.HasFinalizer(pod) || Meta.ControllerOf(pod) is not { } owner)
        {
            return;
        }

        try
        {
            var live = await Api.GetAsync(_jobType, Meta.Namespace(pod), owner.Name, ct);
            if (Meta.Uid(live) == owner.Uid && !JobPods.Failed(pod) && !JobPods.Succeeded(pod))
            {
                return;
            }

            if (Meta.Uid(live) == owner.Uid)
            {
                // The Job exists: its own sync counts the pod before releasing it.
                Queue.Add(Meta.Key(live));
                return;
            }
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }

        await RemoveFinalizerAsync(pod, ct);
    }

    private async Task<JsonObject> WriteStatusAsync(JsonObject job, JsonObject status, CancellationToken ct)
    {
        var copy = Meta.Copy(job);
        copy["status"] = status;
        var written = await Api.UpdateAsync(_jobType, Meta.Namespace(copy), copy, "status", ct);
        _written[Meta.Key(written)] = ResourceVersion(written);
        return written;
    }

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 2501, Level = Microsoft.Extensions.Logging.LogLevel.Debug,
        Message = "job {Key} at {Version}: {Succeeded} succeeded; counting [{Fresh}], uncounted before [{Uncounted}]")]
    private static partial void LogCounting(Microsoft.Extensions.Logging.ILogger logger, string key, string version, long succeeded, string fresh, string uncounted);

    [Microsoft.Extensions.Logging.LoggerMessage(EventId = 2502, Level = Microsoft.Extensions.Logging.LogLevel.Debug,
        Message = "job {Key}: {Succeeded} succeeded, active [{Active}], want {Want}")]
    private static partial void LogManage(Microsoft.Extensions.Logging.ILogger logger, string key, int succeeded, string active, int want);

    private static long ResourceVersion(JsonObject obj) =>
        long.TryParse(Json.String(obj, "metadata", "resourceVersion"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var rv) ? rv : 0;
}
