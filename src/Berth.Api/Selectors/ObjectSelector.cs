using Berth.Api.Resources;

namespace Berth.Api.Selectors;

/// <summary>
/// A list or watch request's <c>labelSelector</c> and <c>fieldSelector</c> together, checked against the kind once
/// (<see cref="Parse"/>) and then evaluated per object. Immutable and thread-safe.
/// </summary>
public sealed class ObjectSelector
{
    private readonly IResourceStrategy _strategy;

    private ObjectSelector(LabelSelector labels, FieldSelector fields, IResourceStrategy strategy)
    {
        Labels = labels;
        Fields = fields;
        _strategy = strategy;
    }

    public LabelSelector Labels { get; }

    public FieldSelector Fields { get; }

    /// <summary>True when both selectors are empty: every object matches and lists need not parse objects.</summary>
    public bool IsEverything => Labels.IsEmpty && Fields.IsEmpty;

    /// <summary>
    /// Parses both query parameters (null or "" selects everything) and checks the field selector's fields against
    /// <paramref name="strategy"/>.
    /// </summary>
    /// <param name="kindHasOwnFields">Which of Kubernetes' two messages to give for an unsupported field (see <see cref="FieldSelector.UnsupportedFieldMessage"/>).</param>
    /// <exception cref="SelectorException">A selector that does not parse or names a field the kind does not support (400).</exception>
    public static ObjectSelector Parse(string? labelSelector, string? fieldSelector, IResourceStrategy strategy, bool kindHasOwnFields = true)
    {
        var labels = LabelSelector.Parse(labelSelector);
        var fields = FieldSelector.Parse(fieldSelector);
        if (fields.FirstUnsupportedField(strategy) is { } field)
        {
            throw new SelectorException(FieldSelector.UnsupportedFieldMessage(field, kindHasOwnFields));
        }

        return new ObjectSelector(labels, fields, strategy);
    }

    /// <summary>Whether <paramref name="obj"/> (a tree, or a parsed element read in place) has the labels and field values asked for.</summary>
    public bool Matches(FieldSource obj) => IsEverything || (Labels.Matches(obj) && Fields.Matches(obj, _strategy));
}
