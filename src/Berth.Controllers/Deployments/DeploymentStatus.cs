using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.Deployments;

/// <summary>
/// A Deployment's status and conditions (pkg/controller/deployment/sync.go <c>calculateStatus</c>,
/// <c>syncRolloutStatus</c>, progress.go), as <c>kubectl rollout status</c> reads them:
/// <list type="bullet">
/// <item>Available: True <c>MinimumReplicasAvailable</c> when available ≥ replicas − maxUnavailable, else False
///   <c>MinimumReplicasUnavailable</c>;</item>
/// <item>Progressing: True <c>NewReplicaSetCreated</c> / <c>FoundNewReplicaSet</c> / <c>ReplicaSetUpdated</c> while
///   the rollout moves, True <c>NewReplicaSetAvailable</c> once complete, False <c>ProgressDeadlineExceeded</c> when it
///   has not moved for progressDeadlineSeconds, Unknown <c>DeploymentPaused</c> / <c>DeploymentResumed</c>;</item>
/// <item>ReplicaFailure: copied from a ReplicaSet that reports one.</item>
/// </list>
/// </summary>
public static class DeploymentStatus
{
    public const string Available = "Available";
    public const string Progressing = "Progressing";
    public const string ReplicaFailure = "ReplicaFailure";

    public const string MinimumReplicasAvailable = "MinimumReplicasAvailable";
    public const string MinimumReplicasUnavailable = "MinimumReplicasUnavailable";
    public const string NewReplicaSetCreated = "NewReplicaSetCreated";
    public const string FoundNewReplicaSet = "FoundNewReplicaSet";
    public const string ReplicaSetUpdated = "ReplicaSetUpdated";
    public const string NewReplicaSetAvailable = "NewReplicaSetAvailable";
    public const string ProgressDeadlineExceeded = "ProgressDeadlineExceeded";
    public const string DeploymentPaused = "DeploymentPaused";
    public const string DeploymentResumed = "DeploymentResumed";
    public const string FailedCreate = "ReplicaSetCreateError";

    /// <summary><c>calculateStatus</c>: counts from the ReplicaSets, the Available condition, other conditions kept.</summary>
    public static JsonObject Calculate(DeploymentInfo d, IReadOnlyList<ReplicaSetModel> all, ReplicaSetModel? newRs, DateTimeOffset now)
    {
        var available = DeploymentMath.AvailableReplicas(all);
        var total = DeploymentMath.SpecReplicas(all);
        var status = new JsonObject
        {
            ["observedGeneration"] = d.Generation,
            ["replicas"] = DeploymentMath.StatusReplicas(all),
            ["updatedReplicas"] = newRs is null ? 0 : newRs.StatusReplicas,
            ["readyReplicas"] = DeploymentMath.ReadyReplicas(all),
            ["availableReplicas"] = available,
            ["unavailableReplicas"] = Math.Max(0, total - available),
        };
        if (Json.Long(d.Status, "collisionCount") is { } collisions)
        {
            status["collisionCount"] = collisions;
        }

        if (Json.Array(d.Status, "conditions") is { } conditions)
        {
            status["conditions"] = conditions.DeepClone();
        }

        var condition = available >= d.Replicas - DeploymentMath.MaxUnavailable(d)
            ? Conditions.New(Available, "True", MinimumReplicasAvailable, "Deployment has minimum availability.", now, true)
            : Conditions.New(Available, "False", MinimumReplicasUnavailable, "Deployment does not have minimum availability.", now, true);
        Conditions.Set(status, condition);
        return status;
    }

    /// <summary><c>DeploymentComplete</c>: every replica updated and available, and the latest spec observed.</summary>
    public static bool IsComplete(DeploymentInfo d, JsonObject status) =>
        Int(status, "updatedReplicas") == d.Replicas && Int(status, "replicas") == d.Replicas
        && Int(status, "availableReplicas") == d.Replicas && (Json.Long(status, "observedGeneration") ?? 0) >= d.Generation;

    /// <summary><c>DeploymentProgressing</c>: more updated, fewer old, more ready or more available replicas than before.</summary>
    public static bool IsProgressing(DeploymentInfo d, JsonObject status)
    {
        var old = d.Status;
        var oldOld = Int(old, "replicas") - Int(old, "updatedReplicas");
        var newOld = Int(status, "replicas") - Int(status, "updatedReplicas");
        return Int(status, "updatedReplicas") > Int(old, "updatedReplicas") || newOld < oldOld
            || Int(status, "readyReplicas") > Int(old, "readyReplicas") || Int(status, "availableReplicas") > Int(old, "availableReplicas");
    }

    /// <summary><c>DeploymentTimedOut</c>: the Progressing condition was last updated more than progressDeadlineSeconds ago.</summary>
    public static bool TimedOut(DeploymentInfo d, JsonObject status, DateTimeOffset now)
    {
        if (!d.HasProgressDeadline || Conditions.Get(status, Progressing) is not { } c)
        {
            return false;
        }

        var reason = Json.String(c, "reason");
        if (reason == NewReplicaSetAvailable)
        {
            return false;
        }

        if (reason == ProgressDeadlineExceeded)
        {
            return true;
        }

        var from = Timestamps.Parse(Json.String(c, "lastUpdateTime"));
        return from is not null && from.Value.AddSeconds(d.ProgressDeadlineSeconds) < now;
    }

    /// <summary>The Progressing and ReplicaFailure conditions of <c>syncRolloutStatus</c>, applied to <paramref name="status"/>.</summary>
    public static void SetRolloutConditions(DeploymentInfo d, JsonObject status, IReadOnlyList<ReplicaSetModel> all, ReplicaSetModel? newRs,
        DateTimeOffset now)
    {
        if (!d.HasProgressDeadline)
        {
            Conditions.Remove(status, Progressing);
        }

        var current = Conditions.Get(status, Progressing);
        var complete = Int(status, "replicas") == Int(status, "updatedReplicas") && Json.String(current, "reason") == NewReplicaSetAvailable;
        if (d.HasProgressDeadline && !complete)
        {
            var name = newRs?.Name ?? "";
            if (IsComplete(d, status))
            {
                Conditions.Set(status, Conditions.New(Progressing, "True", NewReplicaSetAvailable,
                    $"ReplicaSet \"{name}\" has successfully progressed.", now, true));
            }
            else if (IsProgressing(d, status))
            {
                var c = Conditions.New(Progressing, "True", ReplicaSetUpdated, $"ReplicaSet \"{name}\" is progressing.", now, true);
                if (current is not null)
                {
                    if (Json.String(current, "status") == "True")
                    {
                        c["lastTransitionTime"] = Json.String(current, "lastTransitionTime");
                    }

                    // Removed first so that lastUpdateTime moves: progress restarts the deadline.
                    Conditions.Remove(status, Progressing);
                }

                Conditions.Set(status, c);
            }
            else if (TimedOut(d, status, now))
            {
                Conditions.Set(status, Conditions.New(Progressing, "False", ProgressDeadlineExceeded,
                    $"ReplicaSet \"{name}\" has timed out progressing.", now, true));
            }
        }

        var failure = all.Select(r => Conditions.Get(Json.Object(r.Object, "status"), ReplicaFailure))
            .FirstOrDefault(c => c is not null && Json.String(c, "status") == "True");
        if (failure is not null)
        {
            Conditions.Set(status, Conditions.New(ReplicaFailure, "True", Json.String(failure, "reason") ?? "",
                Json.String(failure, "message") ?? "", now, true));
        }
        else
        {
            Conditions.Remove(status, ReplicaFailure);
        }
    }

    /// <summary>
    /// <c>requeueStuckDeployment</c>: when to look again so that the deadline is noticed (null when not needed).
    /// </summary>
    public static TimeSpan? RecheckAfter(DeploymentInfo d, JsonObject status, DateTimeOffset now)
    {
        var c = Conditions.Get(status, Progressing);
        if (!d.HasProgressDeadline || c is null || IsComplete(d, status) || Json.String(c, "reason") == ProgressDeadlineExceeded)
        {
            return null;
        }

        var from = Timestamps.Parse(Json.String(c, "lastUpdateTime")) ?? now;
        var after = from.AddSeconds(d.ProgressDeadlineSeconds) - now;
        return after < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : after + TimeSpan.FromSeconds(1);
    }

    /// <summary>Whether two statuses say the same (ignoring condition timestamps that did not change anything).</summary>
    public static bool Same(JsonObject a, JsonObject b) => JsonNode.DeepEquals(a, b);

    private static long Int(JsonObject? status, string field) => Json.Long(status, field) ?? 0;
}
