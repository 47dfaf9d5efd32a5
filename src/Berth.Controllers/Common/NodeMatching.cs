using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.Common;

/// <summary>
/// Pod-to-node predicates on untyped objects, as <c>component-helpers/scheduling/corev1</c> defines them:
/// required node affinity (<c>spec.nodeSelector</c> AND any <c>nodeSelectorTerms</c> entry, each term's
/// matchExpressions on labels with In, NotIn, Exists, DoesNotExist, Gt, Lt and matchFields on
/// <c>metadata.name</c>; an empty term matches nothing) and taint toleration (<c>ToleratesTaint</c>).
/// The scheduler has its own compiled versions; these serve controllers that look at one node at a time.
/// </summary>
public static class NodeMatching
{
    /// <summary><c>GetRequiredNodeAffinity(pod).Match(node)</c> for a pod spec.</summary>
    public static bool MatchesNodeAffinity(JsonObject? podSpec, JsonObject node)
    {
        var labels = Meta.Labels(node);
        foreach (var (k, v) in Json.Object(podSpec, "nodeSelector") ?? [])
        {
            if (Json.String(labels, k) != (v as JsonValue)?.ToString())
            {
                return false;
            }
        }

        var required = Json.Object(podSpec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution");
        if (required is null)
        {
            return true;
        }

        return (Json.Array(required, "nodeSelectorTerms") ?? []).OfType<JsonObject>().Any(t => TermMatches(t, Meta.Name(node), labels));
    }

    public static bool TermMatches(JsonObject term, string nodeName, JsonObject labels)
    {
        var expressions = Json.Array(term, "matchExpressions")?.OfType<JsonObject>().ToList() ?? [];
        var fields = Json.Array(term, "matchFields")?.OfType<JsonObject>().ToList() ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false;
        }

        foreach (var e in expressions)
        {
            if (!Requirement(e, Json.String(labels, Json.String(e, "key") ?? "")))
            {
                return false;
            }
        }

        foreach (var f in fields)
        {
            if (Json.String(f, "key") != "metadata.name" || !Requirement(f, nodeName))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Requirement(JsonObject e, string? actual)
    {
        var values = (Json.Array(e, "values") ?? []).Select(v => (v as JsonValue)?.ToString()).OfType<string>().ToList();
        switch (Json.String(e, "operator"))
        {
            case "In":
                return actual is not null && values.Contains(actual);
            case "NotIn":
                return actual is null || !values.Contains(actual);
            case "Exists":
                return actual is not null;
            case "DoesNotExist":
                return actual is null;
            case "Gt":
            case "Lt":
                if (actual is null || values.Count != 1
                    || !long.TryParse(actual, NumberStyles.Integer, CultureInfo.InvariantCulture, out var have)
                    || !long.TryParse(values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bound))
                {
                    return false;
                }

                return Json.String(e, "operator") == "Gt" ? have > bound : have < bound;
            default:
                return false;
        }
    }

    /// <summary><c>Toleration.ToleratesTaint</c>.</summary>
    public static bool Tolerates(JsonObject toleration, JsonObject taint)
    {
        var effect = Json.String(toleration, "effect");
        if (!string.IsNullOrEmpty(effect) && effect != Json.String(taint, "effect"))
        {
            return false;
        }

        var key = Json.String(toleration, "key");
        if (!string.IsNullOrEmpty(key) && key != Json.String(taint, "key"))
        {
            return false;
        }

        return Json.String(toleration, "operator") switch
        {
            "Exists" => true,
            null or "" or "Equal" => (Json.String(toleration, "value") ?? "") == (Json.String(taint, "value") ?? ""),
            _ => false,
        };
    }

    /// <summary><c>FindMatchingUntoleratedTaint</c>: the first taint passing <paramref name="filter"/> that no toleration tolerates.</summary>
    public static JsonObject? UntoleratedTaint(JsonObject node, IReadOnlyList<JsonObject> tolerations, Func<JsonObject, bool> filter)
    {
        foreach (var taint in Taints(node))
        {
            if (filter(taint) && !tolerations.Any(t => Tolerates(t, taint)))
            {
                return taint;
            }
        }

        return null;
    }

    public static IEnumerable<JsonObject> Taints(JsonObject node) => Json.Array(node, "spec", "taints")?.OfType<JsonObject>() ?? [];

    public static List<JsonObject> Tolerations(JsonObject? podSpec) => Json.Array(podSpec, "tolerations")?.OfType<JsonObject>().ToList() ?? [];
}
