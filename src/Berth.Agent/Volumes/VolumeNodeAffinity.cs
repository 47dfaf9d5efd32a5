using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Agent.Volumes;

/// <summary>
/// Whether a PersistentVolume's <c>spec.nodeAffinity.required</c> admits a node, as the kubelet checks before it
/// mounts a local volume (<c>volumeutil.CheckNodeAffinity</c>): the terms are ORed; in a term, matchExpressions over
/// the node's labels (In, NotIn, Exists, DoesNotExist, Gt, Lt) and matchFields over <c>metadata.name</c> (In, NotIn)
/// are ANDed; an empty term or an unknown operator matches nothing. No required affinity admits every node.
/// See https://kubernetes.io/docs/concepts/storage/persistent-volumes/#node-affinity.
/// </summary>
public static class VolumeNodeAffinity
{
    public static bool Admits(JsonObject volume, string nodeName, IReadOnlyDictionary<string, string> nodeLabels)
    {
        if (Json.Array(volume, "spec", "nodeAffinity", "required", "nodeSelectorTerms") is not { } terms)
        {
            return true;
        }

        return terms.OfType<JsonObject>().Any(t => TermMatches(t, nodeName, nodeLabels));
    }

    private static bool TermMatches(JsonObject term, string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        var expressions = Json.Array(term, "matchExpressions")?.OfType<JsonObject>().ToList() ?? [];
        var fields = Json.Array(term, "matchFields")?.OfType<JsonObject>().ToList() ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false;
        }

        foreach (var e in expressions)
        {
            if (!Requirement(e, labels))
            {
                return false;
            }
        }

        var nameField = new Dictionary<string, string> { ["metadata.name"] = nodeName };
        foreach (var f in fields)
        {
            if (Json.String(f, "key") != "metadata.name" || Json.String(f, "operator") is not ("In" or "NotIn") || !Requirement(f, nameField))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Requirement(JsonObject expression, IReadOnlyDictionary<string, string> labels)
    {
        var key = Json.String(expression, "key") ?? "";
        var values = Json.Array(expression, "values")?.Select(Json.StringOf).OfType<string>().ToList() ?? [];
        var present = labels.TryGetValue(key, out var value);
        return Json.String(expression, "operator") switch
        {
            "In" => present && values.Contains(value!),
            "NotIn" => !present || !values.Contains(value!),
            "Exists" => present,
            "DoesNotExist" => !present,
            "Gt" => present && Compare(value!, values) is > 0,
            "Lt" => present && Compare(value!, values) is < 0,
            _ => false,
        };
    }

    private static int? Compare(string value, List<string> values) =>
        values.Count == 1
        && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var a)
        && long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b)
            ? a.CompareTo(b)
            : null;
}
