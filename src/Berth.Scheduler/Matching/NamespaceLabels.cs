using k8s.Models;

namespace Berth.Scheduler.Matching;

/// <summary>
/// Labels of namespaces, for pod affinity terms' <c>namespaceSelector</c>. A namespace the snapshot does not
/// carry still has the label the API server always sets, <c>kubernetes.io/metadata.name=NAME</c>.
/// </summary>
internal sealed class NamespaceLabels
{
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _labels = new(StringComparer.Ordinal);

    public NamespaceLabels(IEnumerable<V1Namespace>? namespaces)
    {
        foreach (var ns in namespaces ?? [])
        {
            var name = ns.Metadata?.Name;
            if (name is null)
            {
                continue;
            }

            var labels = new Dictionary<string, string>(ns.Metadata!.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal)
            {
                ["kubernetes.io/metadata.name"] = name,
            };
            _labels[name] = labels;
        }
    }

    public IReadOnlyDictionary<string, string> Get(string ns)
    {
        if (!_labels.TryGetValue(ns, out var labels))
        {
            labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["kubernetes.io/metadata.name"] = ns };
            _labels[ns] = labels;
        }

        return labels;
    }
}
