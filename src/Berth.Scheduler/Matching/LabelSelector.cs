using k8s.Models;

namespace Berth.Scheduler.Matching;

/// <summary>
/// A compiled <c>metav1.LabelSelector</c>, following <c>metav1.LabelSelectorAsSelector</c>: a null
/// selector matches nothing, an empty one matches everything, an invalid one (unknown operator,
/// In without values) matches nothing. <see cref="Key"/> is canonical, so two selectors that mean the
/// same thing share one cached count in <see cref="Indexes.PodCountIndex"/>.
/// </summary>
internal sealed class LabelSelector
{
    public static readonly LabelSelector Nothing = new([], nothing: true);
    public static readonly LabelSelector Everything = new([], nothing: false);

    private readonly Requirement[] _requirements;
    private readonly bool _nothing;

    private LabelSelector(Requirement[] requirements, bool nothing)
    {
        _requirements = requirements;
        _nothing = nothing;
        Key = nothing ? "<nothing>" : string.Join(";", requirements.Select(r => r.CanonicalKey()).Order(StringComparer.Ordinal));
    }

    public string Key { get; }

    public bool IsNothing => _nothing;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (_nothing)
        {
            return false;
        }

        foreach (var r in _requirements)
        {
            if (!r.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Compiles a selector, adding <c>key In (value)</c> for each of <paramref name="matchLabelKeys"/> and
    /// <c>key NotIn (value)</c> for each of <paramref name="mismatchLabelKeys"/> that the owner pod carries,
    /// as the scheduler does for topology spread and the API server for pod affinity.
    /// </summary>
    public static LabelSelector From(
        V1LabelSelector? selector,
        IReadOnlyDictionary<string, string>? ownerLabels = null,
        IEnumerable<string>? matchLabelKeys = null,
        IEnumerable<string>? mismatchLabelKeys = null)
    {
        if (selector is null)
        {
            return Nothing;
        }

        var reqs = new List<Requirement>();
        if (selector.MatchLabels is not null)
        {
            foreach (var (k, v) in selector.MatchLabels)
            {
                reqs.Add(new Requirement(k, SelectorOperator.In, [v]));
            }
        }

        if (selector.MatchExpressions is not null)
        {
            foreach (var e in selector.MatchExpressions)
            {
                if (!Requirement.TryParseOperator(e.OperatorProperty, nodeSelector: false, out var op))
                {
                    return Nothing;
                }

                var r = new Requirement(e.Key, op, e.Values?.ToArray());
                if (!r.Valid)
                {
                    return Nothing;
                }

                reqs.Add(r);
            }
        }

        if (ownerLabels is not null)
        {
            foreach (var k in matchLabelKeys ?? [])
            {
                if (ownerLabels.TryGetValue(k, out var v))
                {
                    reqs.Add(new Requirement(k, SelectorOperator.In, [v]));
                }
            }

            foreach (var k in mismatchLabelKeys ?? [])
            {
                if (ownerLabels.TryGetValue(k, out var v))
                {
                    reqs.Add(new Requirement(k, SelectorOperator.NotIn, [v]));
                }
            }
        }

        return reqs.Count == 0 ? Everything : new LabelSelector([.. reqs], nothing: false);
    }
}
