using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Api.Patch;

/// <summary>
/// Value semantics over <see cref="JsonNode"/> trees as the patch algorithms need them: JSON equality
/// (numbers compared by value, object members in any order), element kinds, detaching nodes so they
/// can move between trees, and rendering values the way Go's <c>%v</c> does for error messages that
/// mirror apimachinery's.
/// </summary>
internal static class JsonValues
{
    public static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    public static bool IsNull(JsonNode? node) => Kind(node) == JsonValueKind.Null;

    /// <summary>JSON equality: same kind; numbers by value (1 == 1.0); objects by member set; arrays by position.</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b)
    {
        var kind = Kind(a);
        if (kind != Kind(b))
        {
            return false;
        }

        switch (kind)
        {
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.Object:
                var oa = (JsonObject)a!;
                var ob = (JsonObject)b!;
                if (oa.Count != ob.Count)
                {
                    return false;
                }

                foreach (var (key, value) in oa)
                {
                    if (!ob.TryGetPropertyValue(key, out var other) || !DeepEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                var aa = (JsonArray)a!;
                var ab = (JsonArray)b!;
                if (aa.Count != ab.Count)
                {
                    return false;
                }

                for (var i = 0; i < aa.Count; i++)
                {
                    if (!DeepEquals(aa[i], ab[i]))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.String:
                return a!.GetValue<string>() == b!.GetValue<string>();
            case JsonValueKind.Number:
                return NumberEquals(a!.ToJsonString(), b!.ToJsonString());
            default:
                return true;
        }
    }

    private static bool NumberEquals(string a, string b)
    {
        if (a == b)
        {
            return true;
        }

        if (decimal.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var da) &&
            decimal.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var db))
        {
            return da == db;
        }

        return double.Parse(a, CultureInfo.InvariantCulture) == double.Parse(b, CultureInfo.InvariantCulture);
    }

    /// <summary>Removes every item from <paramref name="array"/> and returns them, parentless.</summary>
    public static List<JsonNode?> Detach(JsonArray array)
    {
        var items = new List<JsonNode?>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            items.Add(array[i]);
        }

        for (var i = array.Count - 1; i >= 0; i--)
        {
            array.RemoveAt(i);
        }

        return items;
    }

    /// <summary>Removes <paramref name="key"/> from <paramref name="obj"/> and returns its value, parentless.</summary>
    public static JsonNode? Take(JsonObject obj, string key)
    {
        obj.Remove(key, out var value);
        return value;
    }

    public static JsonArray ToArray(IEnumerable<JsonNode?> items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            array.Add(item?.Parent is null ? item : item.DeepClone());
        }

        return array;
    }

    /// <summary>The Go type name <c>reflect.TypeOf</c> prints for a value decoded by encoding/json.</summary>
    public static string GoTypeName(JsonNode? node) => Kind(node) switch
    {
        JsonValueKind.Object => "map[string]interface {}",
        JsonValueKind.Array => "[]interface {}",
        JsonValueKind.String => "string",
        JsonValueKind.Number => IsInteger(node!) ? "int64" : "float64",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "<nil>",
    };

    private static bool IsInteger(JsonNode node) =>
        long.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    /// <summary>Renders <paramref name="node"/> as Go's <c>fmt.Sprintf("%v", v)</c> would: <c>map[a:1 b:[x y]]</c>.</summary>
    public static string GoFormat(JsonNode? node)
    {
        var sb = new StringBuilder();
        AppendGo(sb, node);
        return sb.ToString();
    }

    private static void AppendGo(StringBuilder sb, JsonNode? node)
    {
        switch (Kind(node))
        {
            case JsonValueKind.Null:
                sb.Append("<nil>");
                break;
            case JsonValueKind.Object:
                sb.Append("map[");
                var first = true;
                foreach (var (key, value) in ((JsonObject)node!).OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        sb.Append(' ');
                    }

                    first = false;
                    sb.Append(key).Append(':');
                    AppendGo(sb, value);
                }

                sb.Append(']');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var array = (JsonArray)node!;
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(' ');
                    }

                    AppendGo(sb, array[i]);
                }

                sb.Append(']');
                break;
            case JsonValueKind.String:
                sb.Append(node!.GetValue<string>());
                break;
            case JsonValueKind.Number:
                var text = node!.ToJsonString();
                sb.Append(IsInteger(node) ? text : double.Parse(text, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
                break;
            default:
                sb.Append(Kind(node) == JsonValueKind.True ? "true" : "false");
                break;
        }
    }

    /// <summary>Go's <c>%q</c> for the common case: double quotes with backslash escapes.</summary>
    public static string GoQuote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
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
}
