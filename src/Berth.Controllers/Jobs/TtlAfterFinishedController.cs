using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.Jobs;

/// <summary>
/// Deletes finished Jobs <c>ttlSecondsAfterFinished</c> after they finished, as kube's ttl-after-finished
/// controller: the finish time is <c>status.completionTime</c> (or the Complete/Failed condition's transition
/// time); the Job is re-read before deletion so a TTL changed meanwhile is honoured; deletion is Foreground, so
/// the Job goes after its pods.
/// </summary>
public sealed class TtlAfterFinishedController(ControllerContext context) : Controller("ttl-after-finished", context, workers: 1)
{
    private ResourceType _jobType = null!;
    private Informer<JsonObject> _jobs = null!;

    public override void Setup()
    {
        _jobType = Context.Type("batch", "jobs");
        _jobs = Context.Informers.For(_jobType);
        _jobs.OnAdd(Enqueue);
        _jobs.OnUpdate((_, j) => Enqueue(j));
    }

    private void Enqueue(JsonObject job)
    {
        if (Json.Long(job, "spec", "ttlSecondsAfterFinished") is not null && JobInfo.IsFinished(job) && !Meta.IsDeleting(job))
        {
            Queue.Add(Meta.Key(job));
        }
    }

    /// <summary>When the Job expires, or null when it has no TTL or has not finished.</summary>
    public static DateTimeOffset? ExpiresAt(JsonObject job) =>
        Json.Long(job, "spec", "ttlSecondsAfterFinished") is { } ttl && JobInfo.IsFinished(job) && JobInfo.FinishedAt(job) is { } at
            ? at.AddSeconds(ttl)
            : null;

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var job = _jobs.Get(key);
        if (job is null || Meta.IsDeleting(job) || ExpiresAt(job) is not { } expires)
        {
            return;
        }

        var left = expires - Context.Time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            Queue.AddAfter(key, left);
            return;
        }

        JsonObject live;
        try
        {
            live = await Api.GetAsync(_jobType, Meta.Namespace(job), Meta.Name(job), ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return;
        }

        if (ExpiresAt(live) is not { } confirmed || confirmed > Context.Time.GetUtcNow())
        {
            Queue.Add(key);
            return;
        }

        try
        {
            await Api.DeleteAsync(_jobType, Meta.Namespace(live), Meta.Name(live),
                new DeleteOptions { PropagationPolicy = "Foreground", PreconditionUid = Meta.Uid(live) }, ct);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
        }
    }
}
