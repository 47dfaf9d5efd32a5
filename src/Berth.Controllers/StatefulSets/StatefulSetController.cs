using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Events;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.StatefulSets;

/// <summary>
/// Runs StatefulSets, as kube's statefulset controller (pkg/controller/statefulset/stateful_set_control.go):
/// <code>
///   set / pod / claim event ─▶ key ─▶ claim member pods (SET-N) ─▶ revisions: update revision = the template's
///     (an equal older revision is renumbered: rollback), current revision = status.currentRevision
///   ─▶ for ordinals 0..replicas-1: missing ─▶ create its claims, then the pod (OrderedReady: one at a time, each
///      Running and Ready (and available for minReadySeconds) before the next; Parallel: all at once);
///      failed pods are deleted and made again
///   ─▶ ordinals ≥ replicas: delete, highest first (OrderedReady: one at a time, after the others are healthy)
///   ─▶ RollingUpdate: delete the highest-ordinal pod ≥ partition not at the update revision, one at a time, each
///      after the ones above it are healthy; OnDelete: pods are replaced only when someone deletes them
///   ─▶ status (replicas, ready, available, current, updated, revisions, collisionCount), history truncated
/// </code>
/// Claims stay when pods go (retention Retain), or are owned by the set (whenDeleted: Delete) or by a condemned
/// pod (whenScaled: Delete) so that the garbage collector removes them.
/// </summary>
public sealed class StatefulSetController(ControllerContext context) : Controller("statefulset", context, workers: 2)
{
    public const string Component = "statefulset-controller";

    private ResourceType _setType = null!;
    private ResourceType _podType = null!;
    private ResourceType _claimType = null!;
    private Informer<JsonObject> _sets = null!;
    private Informer<JsonObject> _pods = null!;
    private Informer<JsonObject> _claims = null!;
    private Informer<JsonObject> _revisions = null!;
    private ControllerHistory _history = null!;
    private EventRecorder _events = null!;

    public override void Setup()
    {
        _setType = Context.Type("apps", "statefulsets");
        _podType = Context.Type("", "pods");
        _claimType = Context.Type("", "persistentvolumeclaims");
        var revisionType = Context.Type("apps", "controllerrevisions");
        _history = new ControllerHistory(Api, revisionType, _setType);
        _events = EventRecorder.For(Context, Component);
        _sets = Context.Informers.For(_setType);
        Indexes.AddNamespace(_sets);
        _pods = Context.Informers.For(_podType);
        Indexes.AddPodIndexes(_pods);
        _claims = Context.Informers.For(_claimType);
        _revisions = Context.Informers.For(revisionType);
        Indexes.AddControllerUid(_revisions);

        _sets.OnAdd(s => Queue.Add(Meta.Key(s)));
        _sets.OnUpdate((_, s) => Queue.Add(Meta.Key(s)));
        _sets.OnDelete(s => Queue.Add(Meta.Key(s)));
        _pods.OnAdd(PodChanged);
        _pods.OnUpdate((old, pod) =>
        {
            PodChanged(pod);
            if (Meta.ControllerUid(old) != Meta.ControllerUid(pod))
            {
                PodChanged(old);
            }
        });
        _pods.OnDelete(PodChanged);
        _claims.OnUpdate((_, claim) => EnqueueForClaim(claim));
        _claims.OnDelete(EnqueueForClaim);
    }

    private void PodChanged(JsonObject pod)
    {
        if (Meta.ControllerOf(pod) is { Kind: "StatefulSet" } c)
        {
            if (_sets.Get(Meta.Namespace(pod), c.Name) is { } set && Meta.Uid(set) == c.Uid)
            {
                Queue.Add(Meta.Key(set));
            }

            return;
        }

        if (Meta.ControllerOf(pod) is null && StatefulSetPods.Parse(Meta.Name(pod)).Parent is { } parent
            && _sets.Get(Meta.Namespace(pod), parent) is { } owner && LabelMatcher.From(Json.Walk(owner, "spec", "selector")).MatchesObject(pod))
        {
            Queue.Add(Meta.Key(owner));
        }
    }

    private void EnqueueForClaim(JsonObject claim)
    {
        // TEMPLATE-SET-N: any set whose name ends the claim's prefix may own it; checking them is cheap.
        var name = Meta.Name(claim);
        foreach (var set in _sets.ByIndex(Indexes.Namespace, Meta.Namespace(claim) ?? ""))
        {
            if (name.Contains($"-{Meta.Name(set)}-", StringComparison.Ordinal))
            {
                Queue.Add(Meta.Key(set));
            }
        }
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var set = _sets.Get(key);
        if (set is null)
        {
            return;
        }

        var selector = LabelMatcher.From(Json.Walk(set, "spec", "selector"));
        if (selector.IsEmpty)
        {
            return;
        }

        var ns = Meta.Namespace(set) ?? "";
        var claimer = new ControllerRefManager(Api, _setType, _podType);
        var pods = await claimer.ClaimAsync(set, selector, _pods.ByIndex(Indexes.Namespace, ns).Where(p => StatefulSetPods.IsMemberOf(set, p)), ct);
        var revisions = _revisions.ByIndex(Indexes.ControllerUid, Meta.Uid(set)).ToList();
        var (current, update, collisions) = await RevisionsAsync(set, revisions, ct);

        var info = StatefulSetInfo.From(set);
        var status = await UpdatePodsAsync(info, current, update, pods, ct);
        status["collisionCount"] = collisions ?? 0;
        var (revisionChanged, wait) = await WriteStatusAsync(info, status, ct);
        await TruncateHistoryAsync(info, pods, revisions, current, update, ct);
        if (wait is { } w)
        {
            Queue.AddAfter(key, w);
        }

        if (revisionChanged)
        {
            Queue.Add(key);
        }
    }

    /// <summary><c>getStatefulSetRevisions</c>: the current and update revisions, creating or renumbering as needed.</summary>
    private async Task<(JsonObject Current, JsonObject Update, long? Collisions)> RevisionsAsync(JsonObject set, List<JsonObject> revisions,
        CancellationToken ct)
    {
        revisions.Sort((a, b) => ControllerHistory.Number(a) != ControllerHistory.Number(b)
            ? ControllerHistory.Number(a).CompareTo(ControllerHistory.Number(b))
            : string.CompareOrdinal(Meta.Name(a), Meta.Name(b)));
        // As kube: a missing count hashes as 0 (never as "none"), so the first status write does not change revision names.
        long? collisions = Json.Long(set, "status", "collisionCount") ?? 0;
        var template = Json.Object(set, "spec", "template");
        var candidate = _history.New(set, template, revisions.Count == 0 ? 1 : ControllerHistory.Number(revisions[^1]) + 1, collisions);
        var equal = revisions.Where(r => ControllerHistory.SameData(r, candidate)).ToList();
        JsonObject update;
        if (equal.Count > 0 && Meta.Uid(equal[^1]) == Meta.Uid(revisions[^1]))
        {
            update = revisions[^1];
        }
        else if (equal.Count > 0)
        {
            update = await _history.RenumberAsync(equal[^1], ControllerHistory.Number(candidate), ct);
        }
        else
        {
            (update, collisions) = await _history.CreateAsync(set, template, ControllerHistory.Number(candidate), collisions, ct);
        }

        var currentName = Json.String(set, "status", "currentRevision");
        var current = revisions.FirstOrDefault(r => Meta.Name(r) == currentName) ?? update;
        return (current, update, collisions);
    }

    /// <summary><c>updateStatefulSet</c>: one step of creating, deleting and updating pods; returns the status it saw.</summary>
    private async Task<JsonObject> UpdatePodsAsync(StatefulSetInfo info, JsonObject current, JsonObject update, List<JsonObject> pods,
        CancellationToken ct)
    {
        var set = info.Object;
        var now = Context.Time.GetUtcNow();
        var currentName = Meta.Name(current);
        var updateName = Meta.Name(update);
        long replicasCount = 0, ready = 0, available = 0, currentCount = 0, updated = 0;
        var replicas = new JsonObject?[info.Replicas];
        var condemned = new List<JsonObject>();
        foreach (var pod in pods)
        {
            replicasCount++;
            if (StatefulSetPods.IsRunningAndReady(pod))
            {
                ready++;
                if (PodState.IsAvailable(pod, info.MinReadySeconds, now))
                {
                    available++;
                }
            }

            if (!Meta.IsDeleting(pod))
            {
                currentCount += StatefulSetPods.Revision(pod) == currentName ? 1 : 0;
                updated += StatefulSetPods.Revision(pod) == updateName ? 1 : 0;
            }

            var ordinal = StatefulSetPods.Ordinal(pod);
            if (ordinal >= 0 && ordinal < info.Replicas)
            {
                replicas[ordinal] = pod;
            }
            else
            {
                condemned.Add(pod);
            }
        }

        JsonObject Status() => new()
        {
            ["observedGeneration"] = Meta.Generation(set),
            ["replicas"] = replicasCount,
            ["readyReplicas"] = ready,
            ["currentReplicas"] = currentCount,
            ["updatedReplicas"] = updated,
            ["availableReplicas"] = available,
            ["currentRevision"] = currentName,
            ["updateRevision"] = updateName,
        };

        condemned.Sort((a, b) => StatefulSetPods.Ordinal(a).CompareTo(StatefulSetPods.Ordinal(b)));
        var firstUnhealthy = replicas.FirstOrDefault(p => p is not null && !StatefulSetPods.IsHealthy(p))
            ?? condemned.FirstOrDefault(p => !StatefulSetPods.IsHealthy(p));
        if (Meta.IsDeleting(set))
        {
            return Status();
        }

        var monotonic = !info.Parallel;
        for (var i = 0; i < replicas.Length; i++)
        {
            var pod = replicas[i];
            if (pod is not null && PodState.IsTerminal(pod) && !Meta.IsDeleting(pod))
            {
                // A failed (or finished) member is replaced under the same identity.
                await DeletePodAsync(set, pod, ct);
                if (StatefulSetPods.Revision(pod) == currentName)
                {
                    currentCount--;
                }

                if (StatefulSetPods.Revision(pod) == updateName)
                {
                    updated--;
                }

                replicasCount--;
                replicas[i] = null;
                if (monotonic)
                {
                    return Status();
                }

                continue;
            }

            if (pod is null)
            {
                var useCurrent = !info.OnDelete && i < info.Partition;
                var revision = useCurrent ? current : update;
                if (!await CreatePodAsync(info, revision, i, ct))
                {
                    return Status();
                }

                replicasCount++;
                currentCount += Meta.Name(revision) == currentName ? 1 : 0;
                updated += Meta.Name(revision) == updateName ? 1 : 0;
                if (monotonic)
                {
                    return Status();
                }

                continue;
            }

            if (Meta.IsDeleting(pod) && monotonic)
            {
                return Status();
            }

            if (monotonic && (!StatefulSetPods.IsRunningAndReady(pod) || !PodState.IsAvailable(pod, info.MinReadySeconds, now)))
            {
                return Status();
            }
        }

        for (var target = condemned.Count - 1; target >= 0; target--)
        {
            var pod = condemned[target];
            if (Meta.IsDeleting(pod))
            {
                if (monotonic)
                {
                    return Status();
                }

                continue;
            }

            if (monotonic && !StatefulSetPods.IsRunningAndReady(pod) && pod != firstUnhealthy)
            {
                return Status();
            }

            if (info.DeleteClaimsOnScaleDown)
            {
                await GiveClaimsToPodAsync(set, pod, ct);
            }

            await DeletePodAsync(set, pod, ct);
            if (monotonic)
            {
                return Status();
            }
        }

        if (info.OnDelete)
        {
            return Status();
        }

        for (var target = replicas.Length - 1; target >= info.Partition; target--)
        {
            var pod = replicas[target];
            if (pod is null)
            {
                continue;
            }

            if (StatefulSetPods.Revision(pod) != updateName && !Meta.IsDeleting(pod))
            {
                await DeletePodAsync(set, pod, ct);
                currentCount--;
                return Status();
            }

            if (!StatefulSetPods.IsHealthy(pod))
            {
                return Status();
            }
        }

        return Status();
    }

    /// <summary>Creates the pod's claims (when missing) and then the pod; false when a claim is still being deleted.</summary>
    private async Task<bool> CreatePodAsync(StatefulSetInfo info, JsonObject revision, int ordinal, CancellationToken ct)
    {
        var set = info.Object;
        var ns = Meta.Namespace(set);
        var podName = StatefulSetPods.PodName(Meta.Name(set), ordinal);
        foreach (var template in StatefulSetPods.ClaimTemplates(set))
        {
            var claim = StatefulSetPods.NewClaim(set, template, ordinal);
            var existing = _claims.Get(ns, Meta.Name(claim));
            if (existing is not null)
            {
                if (Meta.IsDeleting(existing))
                {
                    return false;
                }

                continue;
            }

            if (info.DeleteClaimsWithSet)
            {
                var owner = Meta.ControllerRef(set, _setType);
                owner["controller"] = false;
                claim["metadata"]!["ownerReferences"] = new JsonArray(owner);
            }

            try
            {
                await Api.CreateAsync(_claimType, ns, claim, ct);
                await _events.NormalAsync(set, "SuccessfulCreate", $"create Claim {Meta.Name(claim)} Pod {podName} in StatefulSet {Meta.Name(set)} success", ct);
            }
            catch (ApiException e) when (e.Code == 409 && e.Reason == "AlreadyExists")
            {
            }
            catch (ApiException e)
            {
                await _events.WarningAsync(set, "FailedCreate", $"create Claim {Meta.Name(claim)} for Pod {podName} in StatefulSet {Meta.Name(set)} failed error: {e.Message}", ct);
                throw;
            }
        }

        var pod = StatefulSetPods.NewPod(set, _setType, ControllerHistory.Template(revision), Meta.Name(revision), ordinal);
        try
        {
            await Api.CreateAsync(_podType, ns, pod, ct);
            await _events.NormalAsync(set, "SuccessfulCreate", $"create Pod {podName} in StatefulSet {Meta.Name(set)} successful", ct);
        }
        catch (ApiException e) when (e.Code == 409 && e.Reason == "AlreadyExists")
        {
            // Created by an earlier sync the cache does not show yet.
        }
        catch (ApiException e)
        {
            await _events.WarningAsync(set, "FailedCreate", $"create Pod {podName} in StatefulSet {Meta.Name(set)} failed error: {e.Message}", ct);
            throw;
        }

        return true;
    }

    private async Task DeletePodAsync(JsonObject set, JsonObject pod, CancellationToken ct)
    {
        try
        {
            await Api.DeleteAsync(_podType, Meta.Namespace(pod), Meta.Name(pod), new DeleteOptions { PreconditionUid = Meta.Uid(pod) }, ct);
            await _events.NormalAsync(set, "SuccessfulDelete", $"delete Pod {Meta.Name(pod)} in StatefulSet {Meta.Name(set)} successful", ct);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
        }
    }

    /// <summary>whenScaled: Delete — the condemned pod owns its claims, so they go with it.</summary>
    private async Task GiveClaimsToPodAsync(JsonObject set, JsonObject pod, CancellationToken ct)
    {
        foreach (var template in StatefulSetPods.ClaimTemplates(set))
        {
            var name = StatefulSetPods.ClaimName(Meta.Name(template), Meta.Name(set), StatefulSetPods.Ordinal(pod));
            if (_claims.Get(Meta.Namespace(set), name) is not { } claim
                || (Json.Array(claim, "metadata", "ownerReferences") ?? []).Any(r => Json.String(r, "uid") == Meta.Uid(pod)))
            {
                continue;
            }

            var copy = Meta.Copy(claim);
            var meta = Json.EnsureObject(copy, "metadata");
            var refs = meta["ownerReferences"] as JsonArray ?? [];
            meta["ownerReferences"] = refs;
            refs.Add(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["name"] = Meta.Name(pod),
                ["uid"] = Meta.Uid(pod),
                ["controller"] = false,
                ["blockOwnerDeletion"] = true,
            });
            try
            {
                await Api.UpdateAsync(_claimType, Meta.Namespace(copy), copy, null, ct);
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }
    }

    /// <summary>
    /// Writes the status (completing a rolling update once every pod is updated and ready); returns whether the
    /// current revision moved and when to look again for pods that become available.
    /// </summary>
    private async Task<(bool RevisionChanged, TimeSpan? Wait)> WriteStatusAsync(StatefulSetInfo info, JsonObject status, CancellationToken ct)
    {
        var set = info.Object;
        var replicas = Json.Long(status, "replicas") ?? 0;
        if (!info.OnDelete && Json.Long(status, "updatedReplicas") == replicas && Json.Long(status, "readyReplicas") == replicas)
        {
            status["currentReplicas"] = Json.Long(status, "updatedReplicas");
            status["currentRevision"] = Json.String(status, "updateRevision");
        }

        TimeSpan? wait = null;
        if (info.MinReadySeconds > 0 && (Json.Long(status, "availableReplicas") ?? 0) < (Json.Long(status, "readyReplicas") ?? 0))
        {
            wait = TimeSpan.FromSeconds(1);
        }

        var old = Json.Object(set, "status");
        if (old is not null && JsonNode.DeepEquals(old, status))
        {
            return (false, wait);
        }

        var copy = Meta.Copy(set);
        copy["status"] = status;
        try
        {
            await Api.UpdateAsync(_setType, Meta.Namespace(set), copy, "status", ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }

        return (Json.String(old, "currentRevision") != Json.String(status, "currentRevision"), wait);
    }

    /// <summary><c>truncateHistory</c>: revisions no pod uses beyond revisionHistoryLimit go, oldest first.</summary>
    private async Task TruncateHistoryAsync(StatefulSetInfo info, List<JsonObject> pods, List<JsonObject> revisions, JsonObject current,
        JsonObject update, CancellationToken ct)
    {
        var live = pods.Select(StatefulSetPods.Revision).ToHashSet(StringComparer.Ordinal);
        live.Add(Meta.Name(current));
        live.Add(Meta.Name(update));
        var history = revisions.Where(r => !live.Contains(Meta.Name(r))).OrderBy(ControllerHistory.Number).ToList();
        foreach (var r in history.Take(Math.Max(0, history.Count - info.RevisionHistoryLimit)))
        {
            await _history.DeleteAsync(r, ct);
        }
    }
}
