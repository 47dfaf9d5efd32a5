using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// <c>metav1.LabelSelector</c> objects (<c>matchLabels</c> + <c>matchExpressions</c>) as they appear inside
/// workloads, services and network policies: validation with apimachinery's messages
/// (<c>ValidateLabelSelector</c>), matching (<c>LabelSelectorAsSelector(...).Matches</c>) and printing
/// (<c>selector.String()</c>, <c>FormatLabelSelector</c>, <c>FormatLabels</c>).
/// The query-string selector language (<c>?labelSelector=</c>) is a different part (Berth.Api.Selectors).
/// Public because controllers and the scale subresource need the same matching and printing.
/// </summary>
public static class LabelSelectors
{
    /// <summary>Validates a selector at <paramref name="path"/> (no-op when it is absent).</summary>
    internal static void Validate(JsonNode? selector, string path, List<StatusCause> causes)
    {
        if (selector is not JsonObject s)
        {
            return;
        }

        Validation.ValidateLabels(Json.Object(s, "matchLabels"), $"{path}.matchLabels", causes);
        foreach (var (i, expr) in Nodes.Objects(s["matchExpressions"]))
        {
            var at = $"{path}.matchExpressions[{i}]";
            var op = Nodes.Str(expr, "operator");
            var values = Nodes.Strings(expr["values"]).ToList();
            switch (op)
            {
                case "In" or "NotIn":
                    if (values.Count == 0)
                    {
                        causes.Add(StatusCause.Required($"{at}.values", "must be specified when `operator` is 'In' or 'NotIn'"));
                    }

                    break;
                case "Exists" or "DoesNotExist":
                    if (values.Count > 0)
                    {
                        causes.Add(StatusCause.Forbidden($"{at}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }

                    break;
                default:
                    causes.Add(StatusCause.Invalid($"{at}.operator", op, "not a valid selector operator"));
                    break;
            }

            var key = Nodes.Str(expr, "key");
            foreach (var msg in Validation.IsQualifiedName(key))
            {
                causes.Add(StatusCause.Invalid($"{at}.key", key, msg));
            }

            for (var j = 0; j < values.Count; j++)
            {
                foreach (var msg in Validation.IsValidLabelValue(values[j]))
                {
                    causes.Add(StatusCause.Invalid($"{at}.values[{j}]", values[j], msg));
                }
            }
        }
    }

    /// <summary>True when the selector has neither matchLabels nor matchExpressions (it selects everything).</summary>
    public static bool IsEmpty(JsonNode? selector) =>
        (Json.Object(selector, "matchLabels")?.Count ?? 0) + (Json.Array(selector, "matchExpressions")?.Count ?? 0) == 0;

    /// <summary>
    /// Whether <paramref name="labels"/> satisfy the selector. A missing selector matches nothing and an empty one
    /// everything, as <c>LabelSelectorAsSelector</c> makes them.
    /// </summary>
    public static bool Matches(JsonNode? selector, JsonNode? labels)
    {
        if (selector is not JsonObject s)
        {
            return false;
        }

        var set = Json.StringMap(labels);
        foreach (var (k, v) in Json.StringMap(s["matchLabels"]))
        {
            if (!set.TryGetValue(k, out var actual) || actual != v)
            {
                return false;
            }
        }

        foreach (var (_, expr) in Nodes.Objects(s["matchExpressions"]))
        {
            var key = Nodes.Str(expr, "key");
            var values = Nodes.Strings(expr["values"]).ToHashSet(StringComparer.Ordinal);
            var has = set.TryGetValue(key, out var value);
            var ok = Nodes.Str(expr, "operator") switch
            {
                "In" => has && values.Contains(value!),
                "NotIn" => !has || !values.Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The selector as <c>labels.Selector.String()</c> prints it: requirements sorted by key, joined by commas
    /// (<c>app=web,tier in (a,b),!legacy</c>); <c>""</c> for an empty or missing selector.
    /// </summary>
    public static string Format(JsonNode? selector)
    {
        if (selector is not JsonObject s)
        {
            return "";
        }

        var requirements = new List<(string Key, string Text)>();
        foreach (var (k, v) in Json.StringMap(s["matchLabels"]))
        {
            requirements.Add((k, $"{k}={v}"));
        }

        foreach (var (_, expr) in Nodes.Objects(s["matchExpressions"]))
        {
            var key = Nodes.Str(expr, "key");
            var values = string.Join(",", Nodes.Strings(expr["values"]).Distinct().Order(StringComparer.Ordinal));
            requirements.Add((key, Nodes.Str(expr, "operator") switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => key,
                "DoesNotExist" => $"!{key}",
                var op => $"{key} {op} ({values})",
            }));
        }

        return string.Join(",", requirements.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Text));
    }

    /// <summary><c>metav1.FormatLabelSelector</c>: <see cref="Format"/>, or <c>&lt;none&gt;</c> when that is empty.</summary>
    public static string FormatOrNone(JsonNode? selector) => Format(selector) is { Length: > 0 } s ? s : "<none>";

    /// <summary><c>labels.FormatLabels</c>: <c>a=b,c=d</c> sorted by key, or <c>&lt;none&gt;</c>.</summary>
    public static string FormatLabels(JsonNode? map)
    {
        var pairs = Json.StringMap(map).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}").ToList();
        return pairs.Count == 0 ? "<none>" : string.Join(",", pairs);
    }
}
