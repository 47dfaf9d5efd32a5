using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Patch;
using Berth.Api.Resources;

namespace Berth.Api.Selectors;

/// <summary>
/// A label selector: the AND of <see cref="Requirements"/>. Made from the string form of <c>?labelSelector=</c>
/// and <c>kubectl -l</c> (<see cref="Parse"/>), from the object form of <c>spec.selector</c>
/// (<see cref="FromObject"/>) or from a label set (<see cref="FromSet"/>). Mirrors apimachinery's labels.Selector:
/// <see cref="Empty"/> matches everything, <see cref="Nothing"/> matches nothing (a null <c>spec.selector</c>).
/// Immutable.
/// </summary>
public sealed class LabelSelector
{
    private LabelSelector(IReadOnlyList<LabelRequirement> requirements, bool nothing)
    {
        Requirements = requirements;
        IsNothing = nothing;
    }

    /// <summary>Matches every object (an empty string, an empty <c>{}</c> selector).</summary>
    public static LabelSelector Empty { get; } = new([], nothing: false);

    /// <summary>Matches no object (a null selector object).</summary>
    public static LabelSelector Nothing { get; } = new([], nothing: true);

    /// <summary>The requirements, sorted by key.</summary>
    public IReadOnlyList<LabelRequirement> Requirements { get; }

    /// <summary>True when the selector restricts nothing (matches everything).</summary>
    public bool IsEmpty => !IsNothing && Requirements.Count == 0;

    public bool IsNothing { get; }

    /// <summary>Reads the string form (<c>app=web,tier in (a,b),!canary</c>); null or blank is <see cref="Empty"/>.</summary>
    /// <exception cref="SelectorException">With labels.Parse's message, e.g. <c>found ',', expected: identifier after ','</c>.</exception>
    public static LabelSelector Parse(string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return Empty;
        }

        var requirements = LabelSelectorParser.Parse(selector);
        return requirements.Count == 0 ? Empty : new LabelSelector(requirements, nothing: false);
    }

    /// <summary>
    /// Reads the object form <c>{matchLabels:{k:v}, matchExpressions:[{key, operator, values}]}</c> as
    /// metav1.LabelSelectorAsSelector: null is <see cref="Nothing"/>, <c>{}</c> is <see cref="Empty"/>;
    /// operators In, NotIn, Exists, DoesNotExist.
    /// </summary>
    /// <exception cref="SelectorException">An invalid operator, key or value (Kubernetes' messages), or a malformed object.</exception>
    public static LabelSelector FromObject(JsonNode? selector)
    {
        if (selector is null)
        {
            return Nothing;
        }

        if (selector is not JsonObject obj)
        {
            throw new SelectorException("label selector must be an object");
        }

        var requirements = new List<LabelRequirement>();
        foreach (var (key, value) in MatchLabels(obj).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            requirements.Add(LabelRequirement.Create(key, SelectorOperator.Equals, [value]));
        }

        foreach (var expression in MatchExpressions(obj))
        {
            var op = Json.String(expression, "operator") ?? "";
            var mapped = op switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                _ => throw new SelectorException($"{JsonValues.GoQuote(op)} is not a valid label selector operator"),
            };
            requirements.Add(LabelRequirement.Create(Json.String(expression, "key") ?? "", mapped, StringList(expression["values"], "values")));
        }

        return requirements.Count == 0 ? Empty : new LabelSelector(Sorted(requirements), nothing: false);
    }

    /// <summary>A selector requiring every label of <paramref name="labels"/> (labels.SelectorFromSet: no validation).</summary>
    public static LabelSelector FromSet(IReadOnlyDictionary<string, string> labels) =>
        labels.Count == 0
            ? Empty
            : new LabelSelector(
                labels.OrderBy(p => p.Key, StringComparer.Ordinal)
                    .Select(p => LabelRequirement.Unchecked(p.Key, SelectorOperator.Equals, [p.Value]))
                    .ToList(),
                nothing: false);

    /// <summary>
    /// Validates a selector object where it appears in a resource (metav1 validation's ValidateLabelSelector), with
    /// field paths under <paramref name="path"/> (e.g. <c>spec.selector</c>): matchLabels as labels; for each
    /// expression the operator, the key, values required for In/NotIn and forbidden for Exists/DoesNotExist,
    /// and each value a valid label value. Null is valid (no selector).
    /// </summary>
    public static IReadOnlyList<StatusCause> Validate(JsonNode? selector, string path)
    {
        var causes = new List<StatusCause>();
        if (selector is not JsonObject obj)
        {
            if (selector is not null)
            {
                causes.Add(new StatusCause("FieldValueTypeInvalid", "Invalid value: must be an object", path));
            }

            return causes;
        }

        Validation.ValidateLabels(obj["matchLabels"] as JsonObject, $"{path}.matchLabels", causes);
        if (obj["matchExpressions"] is not JsonArray expressions)
        {
            return causes;
        }

        for (var i = 0; i < expressions.Count; i++)
        {
            var at = $"{path}.matchExpressions[{i}]";
            var op = Json.String(expressions[i], "operator") ?? "";
            var values = expressions[i]?["values"] as JsonArray;
            var count = values?.Count ?? 0;
            switch (op)
            {
                case "In" or "NotIn" when count == 0:
                    causes.Add(StatusCause.Required($"{at}.values", "must be specified when `operator` is 'In' or 'NotIn'"));
                    break;
                case "Exists" or "DoesNotExist" when count > 0:
                    causes.Add(StatusCause.Forbidden($"{at}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    break;
                case "In" or "NotIn" or "Exists" or "DoesNotExist":
                    break;
                default:
                    causes.Add(StatusCause.Invalid($"{at}.operator", op, "not a valid selector operator"));
                    break;
            }

            var key = Json.String(expressions[i], "key") ?? "";
            foreach (var message in Validation.IsQualifiedName(key))
            {
                causes.Add(StatusCause.Invalid($"{at}.key", key, message));
            }

            for (var j = 0; j < count; j++)
            {
                var value = values![j] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
                if (value is null)
                {
                    causes.Add(new StatusCause("FieldValueTypeInvalid", "Invalid value: must be a string", $"{at}.values[{j}]"));
                    continue;
                }

                foreach (var message in Validation.IsValidLabelValue(value))
                {
                    causes.Add(StatusCause.Invalid($"{at}.values[{j}]", value, message));
                }
            }
        }

        return causes;
    }

    /// <summary>Whether <paramref name="labels"/> satisfy every requirement.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (IsNothing)
        {
            return false;
        }

        foreach (var requirement in Requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the object's <c>metadata.labels</c> (a tree's or a parsed element's) satisfy every requirement.</summary>
    public bool Matches(FieldSource obj) => !IsNothing && (IsEmpty || Matches(LabelsOf(obj)));

    /// <summary>An object's <c>metadata.labels</c>; entries whose value is not a string are ignored.</summary>
    public static IReadOnlyDictionary<string, string> LabelsOf(FieldSource obj) => obj.StringMap("metadata", "labels");

    /// <summary>
    /// The value <paramref name="label"/> must have for this selector to match (a single-valued =, == or in), or null;
    /// lets a list be narrowed by an index.
    /// </summary>
    public string? RequiresExactMatch(string label)
    {
        foreach (var r in Requirements)
        {
            if (r.Key == label)
            {
                return r.Operator is SelectorOperator.Equals or SelectorOperator.DoubleEquals or SelectorOperator.In && r.Values.Count == 1
                    ? r.Values[0]
                    : null;
            }
        }

        return null;
    }

    /// <summary>The string form, requirements comma-separated in key order; "" for <see cref="Empty"/> and <see cref="Nothing"/>.</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    private static List<LabelRequirement> Sorted(List<LabelRequirement> requirements) =>
        requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();

    private static IEnumerable<KeyValuePair<string, string>> MatchLabels(JsonObject selector)
    {
        switch (selector["matchLabels"])
        {
            case null:
                yield break;
            case JsonObject map:
                foreach (var (key, value) in map)
                {
                    if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                    {
                        throw new SelectorException($"matchLabels[{key}]: label values must be strings");
                    }

                    yield return KeyValuePair.Create(key, v.GetValue<string>());
                }

                break;
            default:
                throw new SelectorException("matchLabels: must be an object");
        }
    }

    private static IEnumerable<JsonObject> MatchExpressions(JsonObject selector) => selector["matchExpressions"] switch
    {
        null => [],
        JsonArray list => list.Select(e => e as JsonObject ?? throw new SelectorException("matchExpressions: items must be objects")),
        _ => throw new SelectorException("matchExpressions: must be a list"),
    };

    private static List<string> StringList(JsonNode? node, string name) => node switch
    {
        null => [],
        JsonArray list => list.Select(v => v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String
            ? jv.GetValue<string>()
            : throw new SelectorException($"{name}: items must be strings")).ToList(),
        _ => throw new SelectorException($"{name}: must be a list"),
    };
}
