namespace Berth.Api.Selectors;

/// <summary>
/// One term of a <see cref="FieldSelector"/>: <c>field=value</c>, <c>field==value</c> or <c>field!=value</c>
/// (<see cref="SelectorOperator.Equals"/>, <see cref="SelectorOperator.DoubleEquals"/>, <see cref="SelectorOperator.NotEquals"/>).
/// <see cref="Value"/> is unescaped.
/// </summary>
public sealed record FieldRequirement(string Field, SelectorOperator Operator, string Value)
{
    /// <summary>Whether a field whose value is <paramref name="actual"/> satisfies the term; a missing field reads as "" (as in apimachinery's fields.Set).</summary>
    public bool Matches(string? actual) =>
        Operator == SelectorOperator.NotEquals ? (actual ?? "") != Value : (actual ?? "") == Value;

    /// <summary>The term with its value escaped: <c>metadata.name=a\,b</c>; <c>==</c> prints as <c>=</c>.</summary>
    public override string ToString() =>
        Field + (Operator == SelectorOperator.NotEquals ? "!=" : "=") + FieldSelector.EscapeValue(Value);
}
