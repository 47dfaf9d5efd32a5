using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Events;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.ReplicaSets;

/// <summary>
/// Keeps <c>spec.replicas</c> pods of each ReplicaSet, as kube's replicaset controller
/// (pkg/controller/replicaset/replica_set.go):
/// <code>
///   RS or pod event ─▶ key ─▶ claim pods (adopt orphans matching the selector, release those that stop matching)
///     ─▶ expectations satisfied? ─▶ active pods &lt; replicas: create (slow start 1, 2, 4, … up to 500)
///                                  active pods &gt; replicas: delete the least useful (<see cref="PodRanking"/>)
///     ─▶ status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, observedGeneration, ReplicaFailure
/// </code>
/// Pods are named <c>RS-xxxxx</c> from the template (the Deployment controller puts <c>pod-template-hash</c> in
/// it) and carry a controller reference with blockOwnerDeletion. Pods being deleted or finished do not count.
/// </summary>
public sealed class ReplicaSetController(ControllerContext context) : Controller("replicaset", context, workers: 3)
{
    public const string Component = "replicaset-controller";
    public const int BurstReplicas = 500;

    private readonly Expectations _expectations = new(context.Time);
    private ResourceType _rsType = null!;
    private ResourceType _podType = null!;
    private Informer<JsonObject> _replicaSets = null!;
    private Informer<JsonObject> _pods = null!;
    private EventRecorder _events = null!;

    public override void Setup()
    {
        _rsType = Context.Type("apps", "replicasets");
        _podType = Context.Type("", "pods");
        _events = EventRecorder.For(Context, Component);
        _replicaSets = Context.Informers.For(_rsType);
        Indexes.AddNamespace(_replicaSets);
        Indexes.AddControllerUid(_replicaSets);
        _pods = Context.Informers.For(_podType);
        Indexes.AddPodIndexes(_pods);

        _replicaSets.OnAdd(rs => Queue.Add(Meta.Key(rs)));
        _replicaSets.OnUpdate((_, rs) => Queue.Add(Meta.Key(rs)));
        _replicaSets.OnDelete(rs => Queue.Add(Meta.Key(rs)));
        _pods.OnAdd(PodAdded);
        _pods.OnUpdate(PodUpdated);
        _pods.OnDelete(PodDeleted);
    }

    private JsonObject? Owner(JsonObject pod)
    {
        var c = Meta.ControllerOf(pod);
        if (c is null || c.Kind != "ReplicaSet" || !c.ApiVersion.StartsWith("apps/", StringComparison.Ordinal))
        {
            return null;
        }

        var rs = _replicaSets.Get(Meta.Namespace(pod), c.Name);
        return rs is not null && Meta.Uid(rs) == c.Uid ? rs : null;
    }

    private void EnqueueMatching(JsonObject pod)
    {
        foreach (var rs in _replicaSets.ByIndex(Indexes.Namespace, Meta.Namespace(pod) ?? ""))
        {
            if (LabelMatcher.From(Json.Walk(rs, "spec", "selector")).MatchesObject(pod))
            {
                Queue.Add(Meta.Key(rs));
            }
        }
    }

    private void PodAdded(JsonObject pod)
    {
        if (Meta.IsDeleting(pod))
        {
            PodDeleted(pod);
            return;
        }

        if (Meta.ControllerOf(pod) is not null)
        {
            if (Owner(pod) is { } rs)
            {
                _expectations.CreationObserved(Meta.Key(rs));
                Queue.Add(Meta.Key(rs));
            }

            return;
        }

        EnqueueMatching(pod);
    }

    private void PodUpdated(JsonObject old, JsonObject pod)
    {
        if (Json.String(old, "metadata", "resourceVersion") == Json.String(pod, "metadata", "resourceVersion"))
        {
            return;
        }

        if (Meta.IsDeleting(pod))
        {
            PodDeleted(pod);
            return;
        }

        var oldRef = Meta.ControllerUid(old);
        var newRef = Meta.ControllerUid(pod);
        if (oldRef != newRef && oldRef is not null && Owner(old) is { } previous)
        {
            Queue.Add(Meta.Key(previous));
        }

        if (newRef is not null)
        {
            if (Owner(pod) is { } rs)
            {
                Queue.Add(Meta.Key(rs));
                var minReady = Json.Long(rs, "spec", "minReadySeconds") ?? 0;
                if (minReady > 0 && !PodState.IsReady(old) && PodState.IsReady(pod))
                {
                    Queue.AddAfter(Meta.Key(rs), TimeSpan.FromSeconds(minReady + 1));
                }
            }

            return;
        }

        if (oldRef != newRef || !JsonNode.DeepEquals(Meta.Labels(old), Meta.Labels(pod)))
        {
            EnqueueMatching(pod);
        }
    }

    private void PodDeleted(JsonObject pod)
    {
        if (Owner(pod) is { } rs)
        {
            _expectations.DeletionObserved(Meta.Key(rs), Meta.Key(pod));
            Queue.Add(Meta.Key(rs));
        }
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var rs = _replicaSets.Get(key);
        if (rs is null)
        {
            _expectations.Forget(key);
            return;
        }

        var needsSync = _expectations.Satisfied(key);
        var selector = LabelMatcher.From(Json.Walk(rs, "spec", "selector"));
        var ns = Meta.Namespace(rs) ?? "";
        var candidates = _pods.ByIndex(Indexes.Namespace, ns).Where(PodState.IsActive);
        var claimer = new ControllerRefManager(Api, _rsType, _podType);
        var pods = await claimer.ClaimAsync(rs, selector, candidates, ct);

        string? failure = null;
        var wanted = (int)(Json.Long(rs, "spec", "replicas") ?? 1);
        var diff = pods.Count - wanted;
        if (needsSync && !Meta.IsDeleting(rs))
        {
            failure = await ManageReplicasAsync(key, rs, pods, diff, ct);
        }

        var now = Context.Time.GetUtcNow();
        var minReady = Json.Long(rs, "spec", "minReadySeconds") ?? 0;
        var status = CalculateStatus(rs, pods, failure, diff, now, minReady);
        await WriteStatusAsync(rs, status, ct);

        if (failure is null && minReady > 0)
        {
            var wait = pods.Select(p => PodState.TimeUntilAvailable(p, minReady, now)).Where(t => t is not null).Min();
            if (wait is { } w)
            {
                Queue.AddAfter(key, w);
            }
        }

        if (failure is not null)
        {
            throw new InvalidOperationException(failure);
        }
    }

    /// <summary>Creates or deletes pods; returns the first error's message, or null.</summary>
    private async Task<string?> ManageReplicasAsync(string key, JsonObject rs, List<JsonObject> pods, int diff, CancellationToken ct)
    {
        if (diff < 0)
        {
            var create = Math.Min(-diff, BurstReplicas);
            _expectations.ExpectCreations(key, create);
            var template = Json.Object(rs, "spec", "template");
            var (_, attempted, error) = await SlowStart.RunAsync(create, async () =>
            {
                var pod = PodTemplates.NewPod(template, rs, _rsType, Meta.Name(rs) + "-");
                try
                {
                    var made = await Api.CreateAsync(_podType, Meta.Namespace(rs), pod, ct);
                    await _events.NormalAsync(rs, "SuccessfulCreate", $"Created pod: {Meta.Name(made)}", ct);
                }
                catch (ApiException e)
                {
                    _expectations.CreationFailed(key);
                    await _events.WarningAsync(rs, "FailedCreate", $"Error creating: {e.Message}", ct);
                    throw;
                }
            }, ct);
            for (var i = attempted; i < create; i++)
            {
                // Creations never attempted will never be observed.
                _expectations.CreationFailed(key);
            }

            return error?.Message;
        }

        if (diff > 0)
        {
            var count = Math.Min(diff, BurstReplicas);
            var victims = PodRanking.ToDelete(pods, RelatedPods(rs), count, Context.Time.GetUtcNow());
            _expectations.ExpectDeletions(key, victims.Select(Meta.Key));
            string? error = null;
            await Task.WhenAll(victims.Select(async pod =>
            {
                try
                {
                    await Api.DeleteAsync(_podType, Meta.Namespace(pod), Meta.Name(pod), new DeleteOptions { PreconditionUid = Meta.Uid(pod) }, ct);
                    await _events.NormalAsync(rs, "SuccessfulDelete", $"Deleted pod: {Meta.Name(pod)}", ct);
                }
                catch (ApiException e) when (e.Code == 404)
                {
                    _expectations.DeletionObserved(key, Meta.Key(pod));
                }
                catch (ApiException e)
                {
                    _expectations.DeletionObserved(key, Meta.Key(pod));
                    error ??= e.Message;
                    await _events.WarningAsync(rs, "FailedDelete", $"Error deleting: {e.Message}", ct);
                }
            }));
            return error;
        }

        return null;
    }

    /// <summary>Pods of every ReplicaSet controlled by the same owner as <paramref name="rs"/> (the Deployment's other ReplicaSets).</summary>
    private IEnumerable<JsonObject> RelatedPods(JsonObject rs)
    {
        var owner = Meta.ControllerUid(rs);
        var siblings = owner is null ? [rs] : _replicaSets.ByIndex(Indexes.ControllerUid, owner);
        return siblings.SelectMany(s => _pods.ByIndex(Indexes.ControllerUid, Meta.Uid(s)));
    }

    private static JsonObject CalculateStatus(JsonObject rs, List<JsonObject> pods, string? failure, int diff, DateTimeOffset now, long minReady)
    {
        var templateLabels = Json.Object(rs, "spec", "template", "metadata", "labels");
        var fullyLabeled = pods.Count(p => templateLabels is null || templateLabels.All(l =>
            Meta.Label(p, l.Key) == (l.Value as JsonValue)?.GetValue<string>()));
        var ready = pods.Count(PodState.IsReady);
        var available = pods.Count(p => PodState.IsAvailable(p, minReady, now));
        var status = new JsonObject
        {
            ["replicas"] = pods.Count,
            ["fullyLabeledReplicas"] = fullyLabeled,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = available,
            ["observedGeneration"] = Meta.Generation(rs),
        };
        if (Json.Array(rs, "status", "conditions") is { } conditions)
        {
            status["conditions"] = conditions.DeepClone();
        }

        var current = Conditions.Get(status, "ReplicaFailure");
        if (failure is not null && current is null)
        {
            Conditions.Set(status, Conditions.New("ReplicaFailure", "True", diff < 0 ? "FailedCreate" : "FailedDelete", failure, now));
        }
        else if (failure is null && current is not null)
        {
            Conditions.Remove(status, "ReplicaFailure");
        }

        return status;
    }

    private async Task WriteStatusAsync(JsonObject rs, JsonObject status, CancellationToken ct)
    {
        var current = Json.Object(rs, "status");
        if (current is not null && StatusEquals(current, status))
        {
            return;
        }

        var copy = Meta.Copy(rs);
        copy["status"] = status;
        try
        {
            await Api.UpdateAsync(_rsType, Meta.Namespace(rs), copy, "status", ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private static bool StatusEquals(JsonObject a, JsonObject b)
    {
        foreach (var field in new[] { "replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration" })
        {
            if ((Json.Long(a, field) ?? 0) != (Json.Long(b, field) ?? 0))
            {
                return false;
            }
        }

        return JsonNode.DeepEquals(a["conditions"], b["conditions"]);
    }
}
