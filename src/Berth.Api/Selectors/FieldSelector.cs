using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Api.Selectors;

/// <summary>
/// A field selector (<c>?fieldSelector=metadata.name=web,spec.nodeName!=</c>): the AND of equality terms over
/// fields the kind exposes, read as apimachinery's fields.ParseSelector reads it. Terms are split on commas not
/// preceded by a backslash; in values <c>\,</c> <c>\=</c> <c>\\</c> are escapes and bare <c>,</c> <c>=</c> are errors.
/// The field names are not checked here: the API checks them against the kind with
/// <see cref="FirstUnsupportedField"/> and answers 400 <see cref="UnsupportedFieldMessage"/>, then evaluates
/// with <see cref="Matches(JsonObject, IResourceStrategy)"/>. Immutable.
/// </summary>
public sealed class FieldSelector
{
    private FieldSelector(IReadOnlyList<FieldRequirement> requirements) => Requirements = requirements;

    /// <summary>Matches every object.</summary>
    public static FieldSelector Empty { get; } = new([]);

    /// <summary>The terms, in the sorted order of their source text (as apimachinery keeps them).</summary>
    public IReadOnlyList<FieldRequirement> Requirements { get; }

    public bool IsEmpty => Requirements.Count == 0;

    /// <summary>Reads <paramref name="selector"/>; null or "" is <see cref="Empty"/>; empty terms (<c>a=b,,c=d</c>) are skipped.</summary>
    /// <exception cref="SelectorException">e.g. <c>invalid selector: 'foo'; can't understand 'foo'</c>.</exception>
    public static FieldSelector Parse(string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return Empty;
        }

        var requirements = new List<FieldRequirement>();
        foreach (var term in SplitTerms(selector).Order(StringComparer.Ordinal))
        {
            if (term.Length == 0)
            {
                continue;
            }

            var (field, op, rawValue) = SplitTerm(term)
                ?? throw new SelectorException($"invalid selector: '{selector}'; can't understand '{term}'");
            requirements.Add(new FieldRequirement(field, op, UnescapeValue(rawValue)));
        }

        return requirements.Count == 0 ? Empty : new FieldSelector(requirements);
    }

    /// <summary>
    /// The message Kubernetes answers (400 BadRequest) for a field the kind does not support. Kinds with field
    /// labels of their own (Pod, Node, Event, Namespace, Secret, ReplicaSet, Job...) say
    /// <c>field label not supported: spec.foo</c>; kinds that only have the metadata ones
    /// (<paramref name="kindHasOwnFields"/> false) answer with runtime.DefaultMetaV1FieldSelectorConversion's
    /// <c>"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"</c>.
    /// </summary>
    public static string UnsupportedFieldMessage(string field, bool kindHasOwnFields = true) =>
        kindHasOwnFields
            ? $"field label not supported: {field}"
            : $"\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"";

    /// <summary>
    /// The first field of this selector that <paramref name="strategy"/> does not support, or null. Probes
    /// <see cref="IResourceStrategy.TryGetField"/> with an empty object, so strategies must decide support by the
    /// field name alone.
    /// </summary>
    public string? FirstUnsupportedField(IResourceStrategy strategy)
    {
        var probe = new JsonObject();
        return Requirements.Select(r => r.Field).FirstOrDefault(f => !strategy.TryGetField(probe, f, out _));
    }

    /// <summary>Whether every term holds, reading fields with <paramref name="fieldValue"/> (null for a missing field).</summary>
    public bool Matches(Func<string, string?> fieldValue)
    {
        foreach (var r in Requirements)
        {
            if (!r.Matches(fieldValue(r.Field)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="obj"/> satisfies every term, reading fields through the kind's strategy.</summary>
    /// <exception cref="SelectorException">A field the kind does not support (check <see cref="FirstUnsupportedField"/> first).</exception>
    public bool Matches(FieldSource obj, IResourceStrategy strategy) =>
        Matches(field => strategy.TryGetField(obj, field, out var value)
            ? value
            : throw new SelectorException(UnsupportedFieldMessage(field)));

    /// <summary>The value <paramref name="field"/> must equal for this selector to match, or null; lets a list be narrowed (e.g. by name).</summary>
    public string? RequiresExactMatch(string field) =>
        Requirements.FirstOrDefault(r => r.Field == field && r.Operator != SelectorOperator.NotEquals)?.Value;

    /// <summary>The string form, terms comma-separated with values escaped; "" when empty.</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    /// <summary>Escapes <c>\</c>, <c>,</c> and <c>=</c> in a value (fields.EscapeValue).</summary>
    public static string EscapeValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal);

    /// <summary>Undoes <see cref="EscapeValue"/>; fails on unknown escapes, a trailing backslash and bare <c>,</c>/<c>=</c> (fields.UnescapeValue).</summary>
    /// <exception cref="SelectorException">With apimachinery's message, e.g. <c>invalid field selector: unescaped character in value: 61</c> (the rune's code).</exception>
    public static string UnescapeValue(string value)
    {
        if (value.IndexOfAny(['\\', ',', '=']) < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        var inSlash = false;
        foreach (var c in value)
        {
            if (inSlash)
            {
                if (c is not ('\\' or ',' or '='))
                {
                    throw new SelectorException($"invalid field selector: invalid escape sequence: \\{c}");
                }

                sb.Append(c);
                inSlash = false;
                continue;
            }

            switch (c)
            {
                case '\\':
                    inSlash = true;
                    break;
                case ',' or '=':
                    throw new SelectorException($"invalid field selector: unescaped character in value: {(int)c}");
                default:
                    sb.Append(c);
                    break;
            }
        }

        if (inSlash)
        {
            throw new SelectorException("invalid field selector: invalid escape sequence: \\");
        }

        return sb.ToString();
    }

    /// <summary>Splits on commas not escaped by a backslash; escapes stay in the terms.</summary>
    private static List<string> SplitTerms(string selector)
    {
        var terms = new List<string>();
        var start = 0;
        var inSlash = false;
        for (var i = 0; i < selector.Length; i++)
        {
            var c = selector[i];
            if (inSlash)
            {
                inSlash = false;
            }
            else if (c == '\\')
            {
                inSlash = true;
            }
            else if (c == ',')
            {
                terms.Add(selector[start..i]);
                start = i + 1;
            }
        }

        terms.Add(selector[start..]);
        return terms;
    }

    /// <summary>Splits a term at the first operator (<c>!=</c>, <c>==</c>, <c>=</c>, tried in that order at each position).</summary>
    private static (string Field, SelectorOperator Op, string Value)? SplitTerm(string term)
    {
        for (var i = 0; i < term.Length; i++)
        {
            var rest = term.AsSpan(i);
            if (rest.StartsWith("!=", StringComparison.Ordinal))
            {
                return (term[..i], SelectorOperator.NotEquals, term[(i + 2)..]);
            }

            if (rest.StartsWith("==", StringComparison.Ordinal))
            {
                return (term[..i], SelectorOperator.DoubleEquals, term[(i + 2)..]);
            }

            if (rest[0] == '=')
            {
                return (term[..i], SelectorOperator.Equals, term[(i + 1)..]);
            }
        }

        return null;
    }
}
