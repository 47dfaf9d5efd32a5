using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Accessors the kind strategies share on top of <see cref="Json"/>: Go zero values for missing fields
/// (<c>""</c>, <c>0</c>), array items with their index, int-or-string values, conditions and timestamps.
/// </summary>
internal static class Nodes
{
    /// <summary>The object items of an array with their index; non-objects are skipped.</summary>
    public static IEnumerable<(int Index, JsonObject Item)> Objects(JsonNode? array)
    {
        if (array is not JsonArray a)
        {
            yield break;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i] is JsonObject o)
            {
                yield return (i, o);
            }
        }
    }

    /// <summary>The string items of an array (non-strings skipped).</summary>
    public static IEnumerable<string> Strings(JsonNode? array) =>
        array is JsonArray a ? a.Select(Json.StringOf).Where(s => s is not null).Select(s => s!) : [];

    /// <summary>The string at <paramref name="path"/>, or <c>""</c> (Go's zero value).</summary>
    public static string Str(JsonNode? node, params ReadOnlySpan<string> path) => Json.String(node, path) ?? "";

    /// <summary>The integer at <paramref name="path"/>, or 0 (Go's zero value).</summary>
    public static long Int(JsonNode? node, params ReadOnlySpan<string> path) => Json.Long(node, path) ?? 0;

    public static bool IsTrue(JsonNode? node, params ReadOnlySpan<string> path) => Json.Bool(node, path) == true;

    /// <summary>True when <paramref name="key"/> is present and not JSON null (a Go pointer that is set).</summary>
    public static bool Has(JsonObject? o, string key) => o is not null && o.TryGetPropertyValue(key, out var v) && v is not null;

    /// <summary>A number present in JSON but not integral (e.g. 1.5) or not a number at all.</summary>
    public static bool IsNonInteger(JsonNode? node) =>
        node is not null && (node is not JsonValue v || !Json.TryGetInteger(v, out _));

    /// <summary>Creates the objects along <paramref name="path"/> as needed and returns the last one.</summary>
    public static JsonObject Ensure(JsonObject parent, params ReadOnlySpan<string> path)
    {
        var current = parent;
        foreach (var step in path)
        {
            current = Json.EnsureObject(current, step);
        }

        return current;
    }

    /// <summary>An <c>IntOrString</c> field: its integer, or its string, or neither when absent.</summary>
    public static (long? Int, string? Str) IntOrString(JsonNode? node) =>
        node is JsonValue v
            ? v.GetValueKind() switch
            {
                JsonValueKind.Number when Json.TryGetInteger(v, out var l) => (l, null),
                JsonValueKind.String => (null, v.GetValue<string>()),
                _ => (null, null),
            }
            : (null, null);

    /// <summary>An RFC 3339 timestamp field.</summary>
    public static DateTimeOffset? Time(JsonNode? node, params ReadOnlySpan<string> path) =>
        Json.String(node, path) is { Length: > 0 } s &&
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : null;

    /// <summary>The first condition of <paramref name="type"/> in a <c>conditions</c> array.</summary>
    public static JsonObject? Condition(JsonNode? conditions, string type) =>
        Objects(conditions).Select(c => c.Item).FirstOrDefault(c => Json.String(c, "type") == type);

    /// <summary>Whether the first condition of <paramref name="type"/> has status True.</summary>
    public static bool ConditionTrue(JsonNode? conditions, string type) =>
        Json.String(Condition(conditions, type), "status") == "True";

    /// <summary>Sets <paramref name="name"/> when it is absent or JSON null; returns the (new or existing) value.</summary>
    public static void Default(JsonObject obj, string name, JsonNode value) => Json.SetDefault(obj, name, value);

    /// <summary>Age-like cell for a timestamp: its human duration before <paramref name="now"/>, or <c>&lt;unknown&gt;</c>.</summary>
    public static string Since(DateTimeOffset? t, DateTimeOffset now) => t is null ? "<unknown>" : HumanDuration.Format(now - t.Value);
}
