using k8s.Models;

namespace Berth.Scheduler.Matching;

/// <summary>
/// A pod's hard node constraints: <c>spec.nodeSelector</c> (every label equal) AND
/// <c>affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution</c> (any term).
/// Mirrors <c>nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)</c>.
/// </summary>
internal sealed class RequiredNodeAffinity
{
    private readonly KeyValuePair<string, string>[] _nodeSelector;
    private readonly NodeSelectorTerm[]? _terms;

    private RequiredNodeAffinity(KeyValuePair<string, string>[] nodeSelector, NodeSelectorTerm[]? terms)
    {
        _nodeSelector = nodeSelector;
        _terms = terms;
    }

    /// <summary>Null when the pod has neither a node selector nor required node affinity.</summary>
    public static RequiredNodeAffinity? From(V1PodSpec spec)
    {
        var sel = spec.NodeSelector is { Count: > 0 } ns ? ns.ToArray() : [];
        var required = spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        var terms = required?.NodeSelectorTerms?.Select(t => new NodeSelectorTerm(t)).ToArray();
        if (required is not null && terms is null)
        {
            terms = [];
        }

        return sel.Length == 0 && terms is null ? null : new RequiredNodeAffinity(sel, terms);
    }

    public bool Matches(string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (k, v) in _nodeSelector)
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v)
            {
                return false;
            }
        }

        if (_terms is null)
        {
            return true;
        }

        foreach (var t in _terms)
        {
            if (t.Matches(nodeName, labels))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// NodeAffinity's PreFilter result: when every term pins names with <c>metadata.name In</c>, the union of
    /// those names (possibly empty: the terms conflict); null when some term leaves all nodes possible.
    /// </summary>
    public HashSet<string>? PinnedNodeNames()
    {
        if (_terms is null)
        {
            return null;
        }

        HashSet<string>? union = null;
        foreach (var t in _terms)
        {
            if (t.PinnedNames is null)
            {
                return null;
            }

            union ??= new HashSet<string>(StringComparer.Ordinal);
            union.UnionWith(t.PinnedNames);
        }

        return union;
    }
}
