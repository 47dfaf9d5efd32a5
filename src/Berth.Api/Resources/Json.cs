using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources;

/// <summary>Small accessors over <see cref="JsonNode"/> trees that tolerate missing and mistyped fields.</summary>
public static class Json
{
    /// <summary>The object at <paramref name="path"/>, or null when a step is missing or not an object.</summary>
    public static JsonObject? Object(JsonNode? node, params ReadOnlySpan<string> path)
    {
        var n = Walk(node, path);
        return n as JsonObject;
    }

    public static JsonArray? Array(JsonNode? node, params ReadOnlySpan<string> path) => Walk(node, path) as JsonArray;

    /// <summary>The string at <paramref name="path"/>, or null when missing or not a string.</summary>
    public static string? String(JsonNode? node, params ReadOnlySpan<string> path) =>
        Walk(node, path) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>The integer at <paramref name="path"/>, or null when missing or not an integral number.</summary>
    public static long? Long(JsonNode? node, params ReadOnlySpan<string> path) =>
        Walk(node, path) is JsonValue v && TryGetInteger(v, out var l) ? l : null;

    /// <summary>
    /// Reads an integral number whether the value was parsed from JSON or created in code from an
    /// <see cref="int"/> (for which <c>TryGetValue&lt;long&gt;</c> alone would fail).
    /// </summary>
    public static bool TryGetInteger(JsonValue value, out long result)
    {
        result = 0;
        if (value.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (value.TryGetValue(out long l))
        {
            result = l;
            return true;
        }

        if (value.TryGetValue(out int i))
        {
            result = i;
            return true;
        }

        if (value.TryGetValue(out short s))
        {
            result = s;
            return true;
        }

        if (value.TryGetValue(out uint u))
        {
            result = u;
            return true;
        }

        return long.TryParse(value.ToJsonString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out result);
    }

    public static bool? Bool(JsonNode? node, params ReadOnlySpan<string> path) =>
        Walk(node, path) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    /// <summary>The string value of <paramref name="node"/> itself, or null when it is not a string.</summary>
    public static string? StringOf(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>A <c>map[string]string</c> field; non-string values are skipped.</summary>
    public static Dictionary<string, string> StringMap(JsonNode? map)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (map is JsonObject o)
        {
            foreach (var (k, v) in o)
            {
                if (Json.StringOf(v) is { } s)
                {
                    result[k] = s;
                }
            }
        }

        return result;
    }

    public static JsonNode? Walk(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var step in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(step, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The object at <paramref name="name"/> inside <paramref name="parent"/>, created when missing or not an object.</summary>
    public static JsonObject EnsureObject(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject o)
        {
            return o;
        }

        var created = new JsonObject();
        parent[name] = created;
        return created;
    }

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/> only when it is absent or null.</summary>
    public static void SetDefault(JsonObject obj, string name, JsonNode value)
    {
        if (obj[name] is null)
        {
            obj[name] = value;
        }
    }

    /// <summary>
    /// A tree of its own built from a parsed element: nothing of it points into the element's document. A tree over
    /// parsed text (<see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/>, or
    /// <c>JsonObject.Create</c> over an element) is backed by the whole document, and <see cref="JsonNode.DeepClone"/> of
    /// its values still points there: a cache that keeps a few fields of an object would keep the whole object's text
    /// alive. Strings and booleans are copied as values; a number keeps its exact text on a document of its own few
    /// bytes (so <c>GetValue&lt;int&gt;</c> and its kin convert as for a parsed value). Reads only what it copies. An
    /// absent element (<c>default</c>) and JSON null give null.
    /// </summary>
    public static JsonNode? Detach(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new JsonObject(element.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, Detach(p.Value)))),
        JsonValueKind.Array => new JsonArray([.. element.EnumerateArray().Select(Detach)]),
        JsonValueKind.String => JsonValue.Create(element.GetString()),
        JsonValueKind.True => JsonValue.Create(true),
        JsonValueKind.False => JsonValue.Create(false),
        JsonValueKind.Number => JsonNode.Parse(element.GetRawText()),
        _ => null,
    };

    /// <summary>The element at <paramref name="path"/>, or <c>default</c> (<see cref="JsonValueKind.Undefined"/>) when a step is missing or not an object.</summary>
    public static JsonElement Walk(JsonElement element, params ReadOnlySpan<string> path)
    {
        foreach (var step in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(step, out element))
            {
                return default;
            }
        }

        return element;
    }

    /// <summary>The string at <paramref name="path"/> of a parsed element, or null when missing or not a string.</summary>
    public static string? String(JsonElement element, params ReadOnlySpan<string> path) =>
        Walk(element, path) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    /// <summary>Makes <paramref name="to"/>[<paramref name="name"/>] a deep copy of <paramref name="from"/>'s, or removes it when absent there.</summary>
    public static void CopyProperty(JsonObject from, JsonObject to, string name)
    {
        if (from.TryGetPropertyValue(name, out var v))
        {
            to[name] = v?.DeepClone();
        }
        else
        {
            to.Remove(name);
        }
    }
}
