using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.Common;

/// <summary>The pod predicates controllers share (k8s.io/kubernetes/pkg/api/v1/pod and pkg/controller).</summary>
public static class PodState
{
    public static string Phase(JsonObject pod) => Json.String(pod, "status", "phase") ?? "";

    public static string NodeName(JsonObject pod) => Json.String(pod, "spec", "nodeName") ?? "";

    /// <summary><c>controller.IsPodActive</c>: not Succeeded, not Failed, not being deleted.</summary>
    public static bool IsActive(JsonObject pod) => Phase(pod) is not ("Succeeded" or "Failed") && !Meta.IsDeleting(pod);

    public static bool IsTerminal(JsonObject pod) => Phase(pod) is "Succeeded" or "Failed";

    public static JsonObject? Condition(JsonObject pod, string type) =>
        Json.Array(pod, "status", "conditions")?.OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == type);

    /// <summary><c>podutil.IsPodReady</c>: the Ready condition is True.</summary>
    public static bool IsReady(JsonObject pod) => Json.String(Condition(pod, "Ready"), "status") == "True";

    /// <summary>
    /// <c>podutil.IsPodAvailable</c>: ready, and for at least <paramref name="minReadySeconds"/> (measured from the Ready
    /// condition's lastTransitionTime, strictly before <paramref name="now"/>).
    /// </summary>
    public static bool IsAvailable(JsonObject pod, long minReadySeconds, DateTimeOffset now)
    {
        if (!IsReady(pod))
        {
            return false;
        }

        if (minReadySeconds <= 0)
        {
            return true;
        }

        var since = Timestamps.Parse(Json.String(Condition(pod, "Ready"), "lastTransitionTime"));
        return since is not null && since.Value.AddSeconds(minReadySeconds) < now;
    }

    /// <summary>When a ready pod becomes available (null if not ready or already available).</summary>
    public static TimeSpan? TimeUntilAvailable(JsonObject pod, long minReadySeconds, DateTimeOffset now)
    {
        if (!IsReady(pod) || minReadySeconds <= 0)
        {
            return null;
        }

        var since = Timestamps.Parse(Json.String(Condition(pod, "Ready"), "lastTransitionTime"));
        if (since is null)
        {
            return null;
        }

        var left = since.Value.AddSeconds(minReadySeconds) - now;
        return left >= TimeSpan.Zero ? left + TimeSpan.FromSeconds(1) : null;
    }

    /// <summary>Total container restarts, for ranking.</summary>
    public static long Restarts(JsonObject pod) =>
        Json.Array(pod, "status", "containerStatuses")?.OfType<JsonObject>().Sum(c => Json.Long(c, "restartCount") ?? 0) ?? 0;
}
