using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.Common;

/// <summary>
/// A compiled <c>metav1.LabelSelector</c> (<c>matchLabels</c> AND every <c>matchExpressions</c> entry), with
/// the semantics controllers give it (<c>metav1.LabelSelectorAsSelector</c>): a missing selector selects
/// nothing, an empty one selects everything. Operators In, NotIn, Exists, DoesNotExist; an unknown operator
/// selects nothing. Controllers filter their informer caches with it instead of asking the API.
/// </summary>
public sealed class LabelMatcher
{
    private readonly KeyValuePair<string, string>[] _labels;
    private readonly (string Key, string Op, HashSet<string> Values)[] _expressions;
    private readonly bool _nothing;

    private LabelMatcher(KeyValuePair<string, string>[] labels, (string, string, HashSet<string>)[] expressions, bool nothing)
    {
        _labels = labels;
        _expressions = expressions;
        _nothing = nothing;
    }

    public static LabelMatcher Nothing { get; } = new([], [], true);

    public static LabelMatcher Everything { get; } = new([], [], false);

    /// <summary>True when the selector has no requirement at all.</summary>
    public bool IsEmpty => !_nothing && _labels.Length == 0 && _expressions.Length == 0;

    /// <summary>Compiles the selector object at <paramref name="selector"/> (null: selects nothing).</summary>
    public static LabelMatcher From(JsonNode? selector)
    {
        if (selector is not JsonObject o)
        {
            return Nothing;
        }

        var labels = Json.Object(o, "matchLabels")?
            .Select(p => new KeyValuePair<string, string>(p.Key, p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : ""))
            .ToArray() ?? [];
        var expressions = new List<(string, string, HashSet<string>)>();
        foreach (var e in Json.Array(o, "matchExpressions")?.OfType<JsonObject>() ?? [])
        {
            var values = new HashSet<string>(StringComparer.Ordinal);
            foreach (var v in Json.Array(e, "values") ?? [])
            {
                if (v is JsonValue jv && jv.TryGetValue<string>(out var s))
                {
                    values.Add(s);
                }
            }

            expressions.Add((Json.String(e, "key") ?? "", Json.String(e, "operator") ?? "", values));
        }

        return new LabelMatcher(labels, [.. expressions], false);
    }

    /// <summary>A selector requiring every label of <paramref name="labels"/>.</summary>
    public static LabelMatcher FromLabels(IReadOnlyDictionary<string, string> labels) =>
        new([.. labels], [], false);

    public bool Matches(JsonObject? labels)
    {
        if (_nothing)
        {
            return false;
        }

        foreach (var (k, v) in _labels)
        {
            if (Label(labels, k) != v)
            {
                return false;
            }
        }

        foreach (var (key, op, values) in _expressions)
        {
            var actual = Label(labels, key);
            var ok = op switch
            {
                "In" => actual is not null && values.Contains(actual),
                "NotIn" => actual is null || !values.Contains(actual),
                "Exists" => actual is not null,
                "DoesNotExist" => actual is null,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether the object's <c>metadata.labels</c> match.</summary>
    public bool MatchesObject(JsonObject obj) => Matches(Json.Object(obj, "metadata", "labels"));

    private static string? Label(JsonObject? labels, string key) =>
        labels is not null && labels.TryGetPropertyValue(key, out var v) && v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : null;
}
