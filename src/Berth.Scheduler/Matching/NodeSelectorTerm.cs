using k8s.Models;

namespace Berth.Scheduler.Matching;

/// <summary>
/// One compiled <c>v1.NodeSelectorTerm</c>: matchExpressions over node labels (In, NotIn, Exists,
/// DoesNotExist, Gt, Lt) and matchFields over <c>metadata.name</c> (In, NotIn), all ANDed. As in
/// <c>component-helpers/scheduling/corev1/nodeaffinity</c>, an empty term and a term that fails to
/// parse match no node.
/// </summary>
internal sealed class NodeSelectorTerm
{
    private readonly Requirement[] _labels;
    private readonly Requirement[] _fields;
    private readonly bool _never;

    public NodeSelectorTerm(V1NodeSelectorTerm term)
    {
        var labels = new List<Requirement>();
        var fields = new List<Requirement>();
        foreach (var e in term.MatchExpressions ?? [])
        {
            if (!Requirement.TryParseOperator(e.OperatorProperty, nodeSelector: true, out var op))
            {
                _never = true;
                continue;
            }

            var r = new Requirement(e.Key, op, e.Values?.ToArray());
            _never |= !r.Valid;
            labels.Add(r);
        }

        foreach (var f in term.MatchFields ?? [])
        {
            if (f.Key != "metadata.name"
                || !Requirement.TryParseOperator(f.OperatorProperty, nodeSelector: true, out var op)
                || op is not (SelectorOperator.In or SelectorOperator.NotIn)
                || f.Values is not { Count: 1 })
            {
                _never = true;
                continue;
            }

            fields.Add(new Requirement("metadata.name", op, f.Values.ToArray()));
        }

        _labels = [.. labels];
        _fields = [.. fields];
        _never |= _labels.Length == 0 && _fields.Length == 0;

        // A term's matchFields "metadata.name In [x]" pins it to named nodes: NodeAffinity's PreFilter uses this.
        foreach (var f in _fields)
        {
            if (f.Operator == SelectorOperator.In)
            {
                PinnedNames = PinnedNames is null ? [.. f.Values] : [.. PinnedNames.Intersect(f.Values)];
            }
        }
    }

    /// <summary>Names a node must have to match, when the term has <c>metadata.name In</c> fields; else null.</summary>
    public HashSet<string>? PinnedNames { get; }

    public bool Matches(string nodeName, IReadOnlyDictionary<string, string> labels)
    {
        if (_never)
        {
            return false;
        }

        foreach (var r in _labels)
        {
            if (!r.Matches(labels))
            {
                return false;
            }
        }

        if (_fields.Length > 0)
        {
            var fields = new Dictionary<string, string> { ["metadata.name"] = nodeName };
            foreach (var r in _fields)
            {
                if (!r.Matches(fields))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
