using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// A value rendered the way Go's <c>%#v</c> prints it in apimachinery's <c>field.Invalid</c> messages, so that
/// Berth's 422 causes read like Kubernetes' (e.g.
/// <c>spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable</c>).
/// <see cref="StatusCause"/> prints any non-string value with <see cref="ToString"/>.
/// Large structs (pod templates) are printed as compact JSON instead of Go syntax.
/// </summary>
internal sealed record GoValue(string Text)
{
    public override string ToString() => Text;

    /// <summary><c>map[string]string{"a":"b", "c":"d"}</c>, keys sorted as Go's fmt sorts them; null is <c>map[string]string(nil)</c>.</summary>
    public static GoValue StringMap(JsonNode? map) => new(FormatStringMap(map));

    /// <summary><c>[]string{"a", "b"}</c>; null is <c>[]string(nil)</c>.</summary>
    public static GoValue StringSlice(IEnumerable<string>? items) => new(FormatStringSlice(items));

    /// <summary>A <c>metav1.LabelSelector</c> as <c>%#v</c> prints it; a missing selector is <c>null</c>.</summary>
    public static GoValue LabelSelector(JsonNode? selector)
    {
        if (selector is not JsonObject s)
        {
            return new("null");
        }

        var sb = new StringBuilder("v1.LabelSelector{MatchLabels:");
        sb.Append(FormatStringMap(s["matchLabels"]));
        sb.Append(", MatchExpressions:");
        if (s["matchExpressions"] is JsonArray exprs)
        {
            sb.Append("[]v1.LabelSelectorRequirement{");
            sb.Append(string.Join(", ", exprs.Select(e =>
                $"v1.LabelSelectorRequirement{{Key:{Quote(Resources.Json.String(e, "key") ?? "")}, Operator:{Quote(Resources.Json.String(e, "operator") ?? "")}, Values:{FormatStringSlice(Resources.Json.Array(e, "values")?.Select(v => Resources.Json.StringOf(v) ?? ""))}}}")));
            sb.Append('}');
        }
        else
        {
            sb.Append("[]v1.LabelSelectorRequirement(nil)");
        }

        sb.Append('}');
        return new(sb.ToString());
    }

    /// <summary>An <c>intstr.IntOrString</c> as <c>%#v</c> prints it (<c>intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}</c>).</summary>
    public static GoValue IntOrString(JsonNode? node)
    {
        var (i, s) = Nodes.IntOrString(node);
        return s is not null
            ? new($"intstr.IntOrString{{Type:1, IntVal:0, StrVal:{Quote(s)}}}")
            : new($"intstr.IntOrString{{Type:0, IntVal:{i ?? 0}, StrVal:\"\"}}");
    }

    /// <summary>A structured value printed as compact JSON (Go would print the whole struct).</summary>
    public static GoValue Json(JsonNode? node) => new(node?.ToJsonString() ?? "null");

    /// <summary>An integer or null as Go prints an <c>*int32</c> after dereferencing.</summary>
    public static object Number(JsonNode? node) =>
        Resources.Json.Long(node) is { } l ? l : node is null ? new GoValue("null") : new GoValue(node.ToJsonString());

    /// <summary>A Go double-quoted string (<c>%q</c>).</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    private static string FormatStringMap(JsonNode? map)
    {
        if (map is not JsonObject o)
        {
            return "map[string]string(nil)";
        }

        var pairs = o.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{Quote(p.Key)}:{Quote(Resources.Json.StringOf(p.Value) ?? p.Value?.ToJsonString() ?? "")}");
        return $"map[string]string{{{string.Join(", ", pairs)}}}";
    }

    private static string FormatStringSlice(IEnumerable<string>? items) =>
        items is null ? "[]string(nil)" : $"[]string{{{string.Join(", ", items.Select(Quote))}}}";
}
