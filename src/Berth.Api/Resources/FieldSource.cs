using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources;

/// <summary>
/// An object whose fields a field selector reads (<see cref="IResourceStrategy.TryGetField"/>): a tree, or a parsed
/// element read in place. Watches and lists match selectors against the parsed text, so an object that does not
/// match is never built into a tree; both forms answer alike (missing and mistyped fields as <see cref="Json"/> does).
/// </summary>
public readonly struct FieldSource
{
    private readonly JsonObject? _tree;
    private readonly JsonElement _element;

    public FieldSource(JsonObject tree) => _tree = tree;

    public FieldSource(JsonElement element) => _element = element;

    public static implicit operator FieldSource(JsonObject tree) => new(tree);

    public static implicit operator FieldSource(JsonElement element) => new(element);

    /// <summary>The string at <paramref name="path"/>, or null when missing or not a string.</summary>
    public string? String(params ReadOnlySpan<string> path) => _tree is not null ? Json.String(_tree, path) : Json.String(_element, path);

    /// <summary>The string at <paramref name="path"/>, or <c>""</c> (Go's zero value).</summary>
    public string Str(params ReadOnlySpan<string> path) => String(path) ?? "";

    /// <summary>The integer at <paramref name="path"/>, or 0 (Go's zero value).</summary>
    public long Int(params ReadOnlySpan<string> path)
    {
        if (_tree is not null)
        {
            return Json.Long(_tree, path) ?? 0;
        }

        return Json.Walk(_element, path) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt64(out var l) ? l : 0;
    }

    /// <summary>Whether the value at <paramref name="path"/> is JSON true.</summary>
    public bool IsTrue(params ReadOnlySpan<string> path) =>
        _tree is not null ? Json.Bool(_tree, path) == true : Json.Walk(_element, path).ValueKind == JsonValueKind.True;

    /// <summary>The string <paramref name="field"/> of the first item of the array at <paramref name="array"/>, or null.</summary>
    public string? FirstItemString(string field, params ReadOnlySpan<string> array)
    {
        if (_tree is not null)
        {
            return Json.String(Json.Array(_tree, array)?.FirstOrDefault(), field);
        }

        return Json.Walk(_element, array) is { ValueKind: JsonValueKind.Array } items && items.GetArrayLength() > 0
            ? Json.String(items[0], field)
            : null;
    }

    /// <summary>The <c>map[string]string</c> at <paramref name="path"/> (labels); entries whose value is not a string are skipped.</summary>
    public Dictionary<string, string> StringMap(params ReadOnlySpan<string> path)
    {
        if (_tree is not null)
        {
            return Json.StringMap(Json.Walk(_tree, path));
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Json.Walk(_element, path) is { ValueKind: JsonValueKind.Object } map)
        {
            foreach (var p in map.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.String)
                {
                    result[p.Name] = p.Value.GetString()!;
                }
            }
        }

        return result;
    }
}
