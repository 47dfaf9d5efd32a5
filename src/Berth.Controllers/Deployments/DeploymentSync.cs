using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Events;

namespace Berth.Controllers.Deployments;

/// <summary>
/// One sync of one Deployment (pkg/controller/deployment: sync.go, rolling.go, recreate.go, rollback-free since
/// apps/v1: <c>kubectl rollout undo</c> rewrites the template and this sync then finds the old ReplicaSet whose
/// template equals it and makes it the new one with the next revision). Every write is compare-and-swap on the
/// cached resourceVersion; a stale cache fails with 409 and the whole sync runs again.
/// </summary>
public sealed class DeploymentSync(
    IApiClient api,
    ResourceType deploymentType,
    ResourceType rsType,
    EventRecorder events,
    TimeProvider time,
    Func<string, IReadOnlyList<JsonObject>> podsOfReplicaSet,
    Action<TimeSpan> recheckAfter)
{
    private DateTimeOffset Now => time.GetUtcNow();

    /// <summary><c>getAllReplicaSetsAndSyncRevision</c>: the new ReplicaSet (created when asked) and the old ones.</summary>
    public async Task<(DeploymentInfo D, ReplicaSetModel? New, List<ReplicaSetModel> Old)> SplitAsync(DeploymentInfo d, List<ReplicaSetModel> rsList,
        bool create, CancellationToken ct)
    {
        rsList.Sort(ReplicaSetModel.ByCreation);
        var existing = rsList.FirstOrDefault(r => DeploymentRevisions.EqualIgnoreHash(Json.Object(r.Object, "spec", "template"), d.Template));
        var old = rsList.Where(r => r != existing).ToList();
        var newRevision = DeploymentRevisions.MaxRevision(old) + 1;
        if (existing is not null)
        {
            return await SyncExistingNewAsync(d, existing, old, newRevision, ct);
        }

        if (!create)
        {
            return (d, null, old);
        }

        return await CreateNewAsync(d, old, newRevision, ct);
    }

    private async Task<(DeploymentInfo, ReplicaSetModel?, List<ReplicaSetModel>)> SyncExistingNewAsync(DeploymentInfo d, ReplicaSetModel rs,
        List<ReplicaSetModel> old, long newRevision, CancellationToken ct)
    {
        var copy = Meta.Copy(rs.Object);
        var annotationsChanged = DeploymentRevisions.SetNewReplicaSetAnnotations(d, copy, newRevision, exists: true);
        var minReadyChanged = (Json.Long(copy, "spec", "minReadySeconds") ?? 0) != d.MinReadySeconds;
        if (annotationsChanged || minReadyChanged)
        {
            Json.EnsureObject(copy, "spec")["minReadySeconds"] = d.MinReadySeconds;
            rs.Refresh(await api.UpdateAsync(rsType, Meta.Namespace(copy), copy, null, ct));
        }

        d = await SetRevisionAsync(d, rs.Revision, ct);
        if (d.HasProgressDeadline && Conditions.Get(d.Status, DeploymentStatus.Progressing) is null)
        {
            var status = (JsonObject)d.Status.DeepClone();
            Conditions.Set(status, Conditions.New(DeploymentStatus.Progressing, "True", DeploymentStatus.FoundNewReplicaSet,
                $"Found new replica set \"{rs.Name}\"", Now, true));
            d = await WriteStatusAsync(d, status, ct);
        }

        return (d, rs, old);
    }

    private async Task<(DeploymentInfo, ReplicaSetModel?, List<ReplicaSetModel>)> CreateNewAsync(DeploymentInfo d, List<ReplicaSetModel> old,
        long newRevision, CancellationToken ct)
    {
        var collisions = Json.Long(d.Status, "collisionCount");
        var hash = TemplateHash.Compute(d.Template, collisions);
        var template = (JsonObject?)d.Template?.DeepClone() ?? [];
        PodTemplates.SetLabel(template, DeploymentRevisions.PodTemplateHashLabel, hash);
        var selector = (JsonObject?)Json.Object(d.Object, "spec", "selector")?.DeepClone() ?? [];
        Json.EnsureObject(selector, "matchLabels")[DeploymentRevisions.PodTemplateHashLabel] = hash;
        var ns = Meta.Namespace(d.Object);
        var rs = new JsonObject
        {
            ["apiVersion"] = rsType.ApiVersion,
            ["kind"] = rsType.Kind,
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{d.Name}-{hash}",
                ["namespace"] = ns,
                ["labels"] = Json.Object(template, "metadata", "labels")!.DeepClone(),
                ["ownerReferences"] = new JsonArray(Meta.ControllerRef(d.Object, deploymentType)),
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = 0,
                ["minReadySeconds"] = d.MinReadySeconds,
                ["selector"] = selector,
                ["template"] = template,
            },
        };
        var model = new ReplicaSetModel(rs);
        var replicas = DeploymentMath.NewReplicaSetReplicas(d, [.. old, model], model);
        rs["spec"]!["replicas"] = replicas;
        DeploymentRevisions.SetNewReplicaSetAnnotations(d, rs, newRevision, exists: false);

        JsonObject created;
        var alreadyExisted = false;
        try
        {
            created = await api.CreateAsync(rsType, ns, rs, ct);
        }
        catch (ApiException e) when (e.Code == 409 && e.Reason == "AlreadyExists")
        {
            var live = await api.GetAsync(rsType, ns, Meta.Name(rs), ct);
            if (Meta.ControllerUid(live) != Meta.Uid(d.Object) || !DeploymentRevisions.EqualIgnoreHash(Json.Object(live, "spec", "template"), d.Template))
            {
                // A different template hashed to the same name: count the collision and try another name next time.
                var status = (JsonObject)d.Status.DeepClone();
                status["collisionCount"] = (collisions ?? 0) + 1;
                await WriteStatusAsync(d, status, ct);
                throw new InvalidOperationException($"hash collision for ReplicaSet {Meta.Name(rs)}; collisionCount is now {(collisions ?? 0) + 1}");
            }

            created = live;
            alreadyExisted = true;
        }
        catch (ApiException e)
        {
            var status = (JsonObject)d.Status.DeepClone();
            var message = $"Failed to create new replica set \"{Meta.Name(rs)}\": {e.Message}";
            Conditions.Set(status, Conditions.New(DeploymentStatus.Progressing, "False", DeploymentStatus.FailedCreate, message, Now, true));
            await events.WarningAsync(d.Object, "FailedCreate", message, ct);
            await WriteStatusAsync(d, status, ct);
            throw;
        }

        model.Refresh(created);
        if (!alreadyExisted && replicas > 0)
        {
            await events.NormalAsync(d.Object, "ScalingReplicaSet", $"Scaled up replica set {model.Name} from 0 to {replicas}", ct);
        }

        d = await SetRevisionAsync(d, model.Revision, ct);
        if (!alreadyExisted && d.HasProgressDeadline)
        {
            var status = (JsonObject)d.Status.DeepClone();
            Conditions.Set(status, Conditions.New(DeploymentStatus.Progressing, "True", DeploymentStatus.NewReplicaSetCreated,
                $"Created new replica set \"{model.Name}\"", Now, true));
            d = await WriteStatusAsync(d, status, ct);
        }

        return (d, model, old);
    }

    /// <summary><c>SetDeploymentRevision</c>: the Deployment's revision annotation follows its new ReplicaSet's.</summary>
    private async Task<DeploymentInfo> SetRevisionAsync(DeploymentInfo d, long revision, CancellationToken ct)
    {
        var copy = Meta.Copy(d.Object);
        if (revision <= 0 || !Meta.SetAnnotation(copy, ReplicaSetModel.RevisionAnnotation, revision.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            return d;
        }

        return DeploymentInfo.From(await api.UpdateAsync(deploymentType, Meta.Namespace(copy), copy, null, ct));
    }

    public async Task<DeploymentInfo> WriteStatusAsync(DeploymentInfo d, JsonObject status, CancellationToken ct)
    {
        var copy = Meta.Copy(d.Object);
        copy["status"] = status;
        return DeploymentInfo.From(await api.UpdateAsync(deploymentType, Meta.Namespace(copy), copy, "status", ct));
    }

    /// <summary><c>rolloutRolling</c>.</summary>
    public async Task RollingAsync(DeploymentInfo d, List<ReplicaSetModel> rsList, CancellationToken ct)
    {
        (d, var newRs, var old) = await SplitAsync(d, rsList, create: true, ct);
        var all = All(old, newRs);

        // reconcileNewReplicaSet
        if (newRs!.Replicas != d.Replicas)
        {
            var target = newRs.Replicas > d.Replicas ? d.Replicas : DeploymentMath.NewReplicaSetReplicas(d, all, newRs);
            if (await ScaleAndRecordAsync(newRs, target, d, ct))
            {
                await SyncRolloutStatusAsync(d, all, newRs, ct);
                return;
            }
        }

        // reconcileOldReplicaSets
        var activeOld = old.Where(r => r.Replicas > 0).ToList();
        if (DeploymentMath.SpecReplicas(activeOld) > 0)
        {
            var maxScaledDown = DeploymentMath.MaxScaledDown(d, all, newRs);
            if (maxScaledDown > 0)
            {
                var scaled = false;
                var (cleanup, _) = DeploymentMath.CleanupUnhealthy(activeOld, maxScaledDown);
                foreach (var (rs, size) in cleanup)
                {
                    scaled |= await ScaleAndRecordAsync(rs, size, d, ct);
                }

                foreach (var (rs, size) in DeploymentMath.ScaleDownOld(d, all, activeOld))
                {
                    scaled |= await ScaleAndRecordAsync(rs, size, d, ct);
                }

                if (scaled)
                {
                    await SyncRolloutStatusAsync(d, all, newRs, ct);
                    return;
                }
            }
        }

        if (DeploymentStatus.IsComplete(d, d.Status))
        {
            await CleanupAsync(d, old, ct);
        }

        await SyncRolloutStatusAsync(d, all, newRs, ct);
    }

    /// <summary><c>rolloutRecreate</c>: all old pods gone before the new ReplicaSet scales up.</summary>
    public async Task RecreateAsync(DeploymentInfo d, List<ReplicaSetModel> rsList, CancellationToken ct)
    {
        (d, var newRs, var old) = await SplitAsync(d, rsList, create: false, ct);
        var all = All(old, newRs);
        var scaledDown = false;
        foreach (var rs in old.Where(r => r.Replicas > 0))
        {
            scaledDown |= await ScaleAndRecordAsync(rs, 0, d, ct);
        }

        if (scaledDown || OldPodsRunning(newRs, old))
        {
            await SyncRolloutStatusAsync(d, all, newRs, ct);
            return;
        }

        if (newRs is null)
        {
            (d, newRs, old) = await SplitAsync(d, rsList, create: true, ct);
            all = All(old, newRs);
        }

        await ScaleAndRecordAsync(newRs!, d.Replicas, d, ct);
        if (DeploymentStatus.IsComplete(d, d.Status))
        {
            await CleanupAsync(d, old, ct);
        }

        await SyncRolloutStatusAsync(d, all, newRs, ct);
    }

    private bool OldPodsRunning(ReplicaSetModel? newRs, List<ReplicaSetModel> old)
    {
        if (DeploymentMath.StatusReplicas(old) > 0)
        {
            return true;
        }

        return old.Where(r => r.Uid != newRs?.Uid).SelectMany(r => podsOfReplicaSet(r.Uid)).Any(p => !PodState.IsTerminal(p));
    }

    /// <summary><c>isScalingEvent</c>: an active ReplicaSet was sized for a different replica count.</summary>
    public async Task<(DeploymentInfo D, bool Scaling)> IsScalingEventAsync(DeploymentInfo d, List<ReplicaSetModel> rsList, CancellationToken ct)
    {
        (d, var newRs, var old) = await SplitAsync(d, rsList, create: false, ct);
        var scaling = All(old, newRs).Any(r => r.Replicas > 0 && r.DesiredReplicas is { } desired && desired != d.Replicas);
        return (d, scaling);
    }

    /// <summary><c>sync</c>: scaling (proportionally during a rollout) and, when paused, history cleanup; no rollout.</summary>
    public async Task ScaleOnlyAsync(DeploymentInfo d, List<ReplicaSetModel> rsList, CancellationToken ct)
    {
        (d, var newRs, var old) = await SplitAsync(d, rsList, create: false, ct);
        await ScaleAsync(d, newRs, old, ct);
        if (d.Paused)
        {
            await CleanupAsync(d, old, ct);
        }

        await SyncStatusAsync(d, All(old, newRs), newRs, ct);
    }

    /// <summary>Status only (a Deployment being deleted).</summary>
    public async Task StatusOnlyAsync(DeploymentInfo d, List<ReplicaSetModel> rsList, CancellationToken ct)
    {
        (d, var newRs, var old) = await SplitAsync(d, rsList, create: false, ct);
        await SyncStatusAsync(d, All(old, newRs), newRs, ct);
    }

    private async Task ScaleAsync(DeploymentInfo d, ReplicaSetModel? newRs, List<ReplicaSetModel> old, CancellationToken ct)
    {
        var active = All(old, newRs).Where(r => r.Replicas > 0).ToList();
        if (active.Count <= 1)
        {
            var target = active.Count == 1 ? active[0] : newRs ?? old.OrderByDescending(r => r, Comparer<ReplicaSetModel>.Create(ReplicaSetModel.ByCreation)).FirstOrDefault();
            if (target is not null && target.Replicas != d.Replicas)
            {
                await ScaleAndRecordAsync(target, d.Replicas, d, ct);
            }

            return;
        }

        if (newRs is not null && newRs.DesiredReplicas == d.Replicas && newRs.Available == d.Replicas && newRs.Replicas == d.Replicas)
        {
            // Saturated: the new ReplicaSet carries everything; old ones go.
            foreach (var rs in old.Where(r => r.Replicas > 0))
            {
                await ScaleAndRecordAsync(rs, 0, d, ct);
            }

            return;
        }

        if (d.Recreate)
        {
            return;
        }

        var statusReplicas = (int)(Json.Long(d.Status, "replicas") ?? 0);
        var sizes = DeploymentMath.Proportional(d, active, statusReplicas);
        var total = DeploymentMath.SpecReplicas(active);
        var allowed = d.Replicas > 0 ? d.Replicas + DeploymentMath.MaxSurge(d) : 0;
        foreach (var rs in active)
        {
            await ScaleReplicaSetAsync(rs, sizes[rs], d, allowed > total ? "up" : "down", ct);
        }
    }

    /// <summary><c>scaleReplicaSetAndRecordEvent</c>: returns whether the size changed.</summary>
    private Task<bool> ScaleAndRecordAsync(ReplicaSetModel rs, int size, DeploymentInfo d, CancellationToken ct) =>
        rs.Replicas == size ? Task.FromResult(false) : ScaleReplicaSetAsync(rs, size, d, rs.Replicas < size ? "up" : "down", ct);

    private async Task<bool> ScaleReplicaSetAsync(ReplicaSetModel rs, int size, DeploymentInfo d, string operation, CancellationToken ct)
    {
        var copy = Meta.Copy(rs.Object);
        var sizeChanged = rs.Replicas != size;
        var annotationsChanged = DeploymentRevisions.SetReplicasAnnotations(copy, d.Replicas, d.Replicas + DeploymentMath.MaxSurge(d));
        if (!sizeChanged && !annotationsChanged)
        {
            return false;
        }

        var before = rs.Replicas;
        Json.EnsureObject(copy, "spec")["replicas"] = size;
        rs.Refresh(await api.UpdateAsync(rsType, Meta.Namespace(copy), copy, null, ct));
        if (sizeChanged)
        {
            await events.NormalAsync(d.Object, "ScalingReplicaSet", $"Scaled {operation} replica set {rs.Name} from {before} to {size}", ct);
        }

        return sizeChanged;
    }

    /// <summary><c>cleanupDeployment</c>: old ReplicaSets beyond revisionHistoryLimit, oldest revision first, if scaled to 0.</summary>
    private async Task CleanupAsync(DeploymentInfo d, List<ReplicaSetModel> old, CancellationToken ct)
    {
        if (d.RevisionHistoryLimit is not { } limit)
        {
            return;
        }

        var alive = old.Where(r => !r.Deleting).ToList();
        var diff = alive.Count - (int)limit;
        if (diff <= 0)
        {
            return;
        }

        alive.Sort((a, b) => a.Revision != b.Revision ? a.Revision.CompareTo(b.Revision) : ReplicaSetModel.ByCreation(a, b));
        foreach (var rs in alive.Take(diff))
        {
            if (rs.StatusReplicas != 0 || rs.Replicas != 0 || rs.Generation > rs.ObservedGeneration || rs.Deleting)
            {
                continue;
            }

            try
            {
                await api.DeleteAsync(rsType, Meta.Namespace(rs.Object), rs.Name, new DeleteOptions { PreconditionUid = rs.Uid }, ct);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
            }
        }
    }

    /// <summary><c>syncRolloutStatus</c>: counts and every condition; rechecks before the progress deadline.</summary>
    private async Task SyncRolloutStatusAsync(DeploymentInfo d, IReadOnlyList<ReplicaSetModel> all, ReplicaSetModel? newRs, CancellationToken ct)
    {
        var now = Now;
        var status = DeploymentStatus.Calculate(d, all, newRs, now);
        DeploymentStatus.SetRolloutConditions(d, status, all, newRs, now);
        if (DeploymentStatus.Same(d.Status, status))
        {
            if (DeploymentStatus.RecheckAfter(d, status, now) is { } after)
            {
                recheckAfter(after);
            }

            return;
        }

        await WriteStatusAsync(d, status, ct);
    }

    /// <summary><c>syncDeploymentStatus</c>: counts and Available only.</summary>
    private async Task SyncStatusAsync(DeploymentInfo d, IReadOnlyList<ReplicaSetModel> all, ReplicaSetModel? newRs, CancellationToken ct)
    {
        var status = DeploymentStatus.Calculate(d, all, newRs, Now);
        if (!DeploymentStatus.Same(d.Status, status))
        {
            await WriteStatusAsync(d, status, ct);
        }
    }

    /// <summary><c>checkPausedConditions</c>: Progressing Unknown DeploymentPaused / DeploymentResumed.</summary>
    public async Task<DeploymentInfo> CheckPausedConditionsAsync(DeploymentInfo d, CancellationToken ct)
    {
        if (!d.HasProgressDeadline)
        {
            return d;
        }

        var c = Conditions.Get(d.Status, DeploymentStatus.Progressing);
        if (Json.String(c, "reason") == DeploymentStatus.ProgressDeadlineExceeded)
        {
            return d;
        }

        var pausedCondition = Json.String(c, "reason") == DeploymentStatus.DeploymentPaused;
        JsonObject? condition = null;
        if (d.Paused && !pausedCondition)
        {
            condition = Conditions.New(DeploymentStatus.Progressing, "Unknown", DeploymentStatus.DeploymentPaused, "Deployment is paused", Now, true);
        }
        else if (!d.Paused && pausedCondition)
        {
            condition = Conditions.New(DeploymentStatus.Progressing, "Unknown", DeploymentStatus.DeploymentResumed, "Deployment is resumed", Now, true);
        }

        if (condition is null)
        {
            return d;
        }

        var status = (JsonObject)d.Status.DeepClone();
        Conditions.Set(status, condition);
        return await WriteStatusAsync(d, status, ct);
    }

    private static List<ReplicaSetModel> All(List<ReplicaSetModel> old, ReplicaSetModel? newRs) => newRs is null ? [.. old] : [.. old, newRs];
}
