namespace Berth.Network.Policy;

/// <summary>One <c>matchExpressions</c> entry of a label selector.</summary>
/// <param name="Key">The label key.</param>
/// <param name="Operator">In, NotIn, Exists, DoesNotExist.</param>
/// <param name="Values">The values for In/NotIn; empty for Exists/DoesNotExist.</param>
public sealed record PolicySelectorRequirement(string Key, PolicySelectorOperator Operator, IReadOnlyList<string> Values)
{
    /// <summary>Whether <paramref name="labels"/> satisfy this requirement (apimachinery's labels.Requirement.Matches:
    /// NotIn and DoesNotExist match when the key is absent).</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            PolicySelectorOperator.In => has && Values.Contains(value!, StringComparer.Ordinal),
            PolicySelectorOperator.NotIn => !has || !Values.Contains(value!, StringComparer.Ordinal),
            PolicySelectorOperator.Exists => has,
            PolicySelectorOperator.DoesNotExist => !has,
            _ => false,
        };
    }
}
