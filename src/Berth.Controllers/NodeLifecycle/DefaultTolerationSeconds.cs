using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.NodeLifecycle;

/// <summary>
/// kube's DefaultTolerationSeconds admission plugin: a pod without a toleration for
/// <c>node.kubernetes.io/not-ready:NoExecute</c> (resp. <c>unreachable</c>) gets one with
/// <c>tolerationSeconds</c> (300 by default), so it is evicted that long after its node stops reporting.
/// The node lifecycle controller applies the same rule when it decides evictions (<see cref="Effective"/>), so the
/// behaviour holds whether or not the API server added the tolerations at create time (<see cref="Apply"/>).
/// </summary>
public static class DefaultTolerationSeconds
{
    public const string NotReadyTaint = "node.kubernetes.io/not-ready";
    public const string UnreachableTaint = "node.kubernetes.io/unreachable";

    /// <summary>Adds the two tolerations to a pod being created (admission); returns whether it changed.</summary>
    public static bool Apply(JsonObject pod, long seconds)
    {
        var spec = Json.EnsureObject(pod, "spec");
        var list = spec["tolerations"] as JsonArray;
        var missing = Missing(NodeMatching.Tolerations(spec), seconds).ToList();
        if (missing.Count == 0)
        {
            return false;
        }

        list ??= [];
        spec["tolerations"] = list;
        foreach (var t in missing)
        {
            list.Add(t);
        }

        return true;
    }

    /// <summary>The pod's tolerations plus the defaults it lacks.</summary>
    public static List<JsonObject> Effective(JsonObject? podSpec, long seconds)
    {
        var tolerations = NodeMatching.Tolerations(podSpec);
        return [.. tolerations, .. Missing(tolerations, seconds)];
    }

    private static IEnumerable<JsonObject> Missing(List<JsonObject> tolerations, long seconds)
    {
        foreach (var key in new[] { NotReadyTaint, UnreachableTaint })
        {
            var probe = new JsonObject { ["key"] = key, ["effect"] = "NoExecute" };
            if (!tolerations.Any(t => NodeMatching.Tolerates(t, probe)))
            {
                yield return new JsonObject
                {
                    ["key"] = key,
                    ["operator"] = "Exists",
                    ["effect"] = "NoExecute",
                    ["tolerationSeconds"] = seconds,
                };
            }
        }
    }
}
