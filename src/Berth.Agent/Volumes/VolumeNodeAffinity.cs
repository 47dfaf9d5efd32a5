using System.Globalization;
using k8s.Models;

namespace Berth.Agent.Volumes;

/// <summary>
/// Whether a PersistentVolume's <c>spec.nodeAffinity.required</c> admits a node, as the kubelet checks before it
/// mounts a local volume (<c>volumeutil.CheckNodeAffinity</c>): the terms are ORed; in a term, matchExpressions over
/// the node's labels (In, NotIn, Exists, DoesNotExist, Gt, Lt) and matchFields over <c>metadata.name</c> (In, NotIn)
/// are ANDed; an empty term or an unknown operator matches nothing. No required affinity admits every node.
/// See https://kubernetes.io/docs/concepts/storage/persistent-volumes/#node-affinity.
/// </summary>
internal static class VolumeNodeAffinity
{
    public static bool Admits(V1PersistentVolume volume, string nodeName, IReadOnlyDictionary<string, string> nodeLabels) =>
        volume.Spec?.NodeAffinity?.Required?.NodeSelectorTerms is not { } terms || terms.Any(t => TermMatches(t, nodeName, nodeLabels));

    private static bool TermMatches(V1NodeSelectorTerm term, string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        var expressions = term.MatchExpressions ?? [];
        var fields = term.MatchFields ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false;
        }

        var nameField = new Dictionary<string, string> { ["metadata.name"] = nodeName };
        return expressions.All(e => Requirement(e, labels))
            && fields.All(f => f.Key == "metadata.name" && f.OperatorProperty is "In" or "NotIn" && Requirement(f, nameField));
    }

    private static bool Requirement(V1NodeSelectorRequirement r, IReadOnlyDictionary<string, string> labels)
    {
        var values = r.Values ?? [];
        var present = labels.TryGetValue(r.Key ?? "", out var value);
        return r.OperatorProperty switch
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

    private static int? Compare(string value, IList<string> values) =>
        values.Count == 1
        && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var a)
        && long.TryParse(values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var b)
            ? a.CompareTo(b)
            : null;
}
