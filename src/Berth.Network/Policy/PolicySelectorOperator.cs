namespace Berth.Network.Policy;

/// <summary>The operators of a label selector's <c>matchExpressions</c>.</summary>
public enum PolicySelectorOperator
{
    In,
    NotIn,
    Exists,
    DoesNotExist,
}
