using Berth.Scheduler.Model;
using k8s.Models;

namespace Berth.Scheduler.Matching;

/// <summary>
/// A compiled <c>v1.PodAffinityTerm</c> of an owner pod. Follows the scheduler's <c>AffinityTerm.Matches</c>: a pod
/// matches when its namespace is listed (an empty list with no namespaceSelector means the owner's namespace)
/// or its namespace's labels match the namespaceSelector, and its labels match the labelSelector.
/// </summary>
internal sealed class AffinityTerm
{
    private readonly HashSet<string> _namespaces;
    private readonly LabelSelector? _namespaceSelector;
    private readonly NamespaceLabels _namespaceLabels;

    public AffinityTerm(V1PodAffinityTerm term, string ownerNamespace, IReadOnlyDictionary<string, string> ownerLabels, NamespaceLabels namespaceLabels)
    {
        _namespaceLabels = namespaceLabels;
        _namespaces = new HashSet<string>(term.Namespaces ?? [], StringComparer.Ordinal);
        if (_namespaces.Count == 0 && term.NamespaceSelector is null)
        {
            _namespaces.Add(ownerNamespace);
        }

        _namespaceSelector = term.NamespaceSelector is null ? null : LabelSelector.From(term.NamespaceSelector);
        Selector = LabelSelector.From(term.LabelSelector, ownerLabels, term.MatchLabelKeys, term.MismatchLabelKeys);
        TopologyKey = term.TopologyKey ?? "";
        Key = $"ns=[{string.Join(',', _namespaces.Order(StringComparer.Ordinal))}] nss={_namespaceSelector?.Key ?? "-"} sel={Selector.Key}";
    }

    public LabelSelector Selector { get; }

    public string TopologyKey { get; }

    /// <summary>Canonical form of what the term selects (without the topology key).</summary>
    public string Key { get; }

    public bool Matches(PodInfo pod)
    {
        if (!_namespaces.Contains(pod.Namespace)
            && (_namespaceSelector is null || !_namespaceSelector.Matches(_namespaceLabels.Get(pod.Namespace))))
        {
            return false;
        }

        return Selector.Matches(pod.Labels);
    }
}
