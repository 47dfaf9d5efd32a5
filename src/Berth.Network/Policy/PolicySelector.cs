namespace Berth.Network.Policy;

/// <summary>
/// A label selector (<c>metav1.LabelSelector</c>): every <see cref="MatchLabels"/> pair and every
/// <see cref="MatchExpressions"/> requirement must hold. An empty selector (<c>{}</c>) selects everything.
/// </summary>
/// <param name="MatchLabels">matchLabels.</param>
/// <param name="MatchExpressions">matchExpressions.</param>
public sealed record PolicySelector(IReadOnlyDictionary<string, string> MatchLabels, IReadOnlyList<PolicySelectorRequirement> MatchExpressions)
{
    /// <summary>The empty selector <c>{}</c>: selects every pod (or namespace).</summary>
    public static PolicySelector Everything { get; } = new(new Dictionary<string, string>(), []);

    /// <summary>A selector of <c>matchLabels</c> only.</summary>
    public static PolicySelector Labels(params (string Key, string Value)[] labels) =>
        new(labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal), []);

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (k, v) in MatchLabels)
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v)
            {
                return false;
            }
        }

        foreach (var r in MatchExpressions)
        {
            if (!r.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }
}
