using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Api.Patch;

/// <summary>
/// RFC 6902 JSON Patch (<c>application/json-patch+json</c>) as the Kubernetes apiserver applies it with
/// gopkg.in/evanphx/json-patch.v4: operations run in order on a copy, the first failure aborts the whole patch.
/// <para>Where that library departs from the RFC, Berth follows the library, because that is what clients of
/// Kubernetes observe:</para>
/// <list type="bullet">
/// <item><c>replace</c> of a missing object member adds it (the RFC requires it to exist); array elements must exist.</item>
/// <item>Negative array indices count from the end (<c>/spec/containers/-1</c> is the last container).</item>
/// <item>A missing <c>value</c> is read as null; <c>test</c> with a null value passes when the target is null or missing.</item>
/// <item><c>add</c>, <c>remove</c> and <c>move</c> at the root (<c>""</c>) fail; <c>replace</c> and <c>test</c> at the root work.</item>
/// </list>
/// Berth is stricter in one place: <c>copy</c> from a missing member fails instead of copying null.
/// Errors: <see cref="PatchException"/> 400 when the patch is not a list of operations, 413 past 10000
/// operations, 422 (<see cref="PatchException.Rejected"/>) when an operation does not apply.
/// </summary>
public static class JsonPatch
{
    /// <summary>The apiserver's limit on operations in one JSON patch.</summary>
    public const int MaxOperations = 10000;

    /// <summary>Applies <paramref name="patch"/> (a JSON array of operations) to a copy of <paramref name="document"/>.</summary>
    public static JsonObject Apply(JsonObject document, JsonNode? patch)
    {
        var operations = Decode(patch);
        JsonNode root = document.DeepClone();
        foreach (var op in operations)
        {
            root = ApplyOne(root, op);
        }

        return (JsonObject)root;
    }

    private static List<JsonObject?> Decode(JsonNode? patch)
    {
        if (patch is null)
        {
            return [];
        }

        if (patch is not JsonArray array)
        {
            throw PatchException.BadRequest($"json: cannot unmarshal {GoJsonKind(patch)} into Go value of type jsonpatch.Patch");
        }

        var operations = new List<JsonObject?>(array.Count);
        foreach (var item in array)
        {
            if (item is not null and not JsonObject)
            {
                throw PatchException.BadRequest($"json: cannot unmarshal {GoJsonKind(item)} into Go value of type jsonpatch.Operation");
            }

            operations.Add((JsonObject?)item);
        }

        if (operations.Count > MaxOperations)
        {
            throw PatchException.TooLarge($"The allowed maximum operations in a JSON patch is {MaxOperations}, got {operations.Count}");
        }

        return operations;
    }

    private static string GoJsonKind(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        _ => "bool",
    };

    private static JsonNode ApplyOne(JsonNode root, JsonObject? op)
    {
        var kind = StringMember(op, "op") ?? "unknown";
        switch (kind)
        {
            case "add":
                Add(root, RequiredMember(op!, "path", kind), Value(op!));
                return root;
            case "remove":
                Remove(root, RequiredMember(op!, "path", kind));
                return root;
            case "replace":
                return Replace(root, RequiredMember(op!, "path", kind), Value(op!));
            case "move":
                Move(root, RequiredMember(op!, "from", kind), RequiredMember(op!, "path", kind));
                return root;
            case "copy":
                Copy(root, RequiredMember(op!, "from", kind), RequiredMember(op!, "path", kind));
                return root;
            case "test":
                Test(root, RequiredMember(op!, "path", kind), Value(op!));
                return root;
            default:
                throw PatchException.Rejected($"Unexpected kind: {kind}");
        }
    }

    private static string? StringMember(JsonObject? op, string name) =>
        op is not null && op.TryGetPropertyValue(name, out var v) && v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String
            ? jv.GetValue<string>()
            : null;

    private static string RequiredMember(JsonObject op, string name, string kind) =>
        StringMember(op, name) ?? throw PatchException.Rejected($"{kind} operation failed to decode {name}: operation, missing {name} field: missing value");

    private static JsonNode? Value(JsonObject op) => op.TryGetPropertyValue("value", out var v) ? v?.DeepClone() : null;

    private static void Add(JsonNode root, string path, JsonNode? value)
    {
        var (container, key) = Find(root, path) ?? throw PatchException.Rejected($"add operation does not apply: doc is missing path: \"{path}\": missing value");
        Add(container, key, value, path, "add");
    }

    private static void Remove(JsonNode root, string path)
    {
        var (container, key) = Find(root, path) ?? throw PatchException.Rejected($"remove operation does not apply: doc is missing path: \"{path}\": missing value");
        RemoveAt(container, key, path, "remove");
    }

    private static JsonNode? RemoveAt(JsonNode container, string key, string path, string kind)
    {
        if (container is JsonObject obj)
        {
            if (!obj.Remove(key, out var removed))
            {
                throw PatchException.Rejected($"error in {kind} for path: '{path}': Unable to remove nonexistent key: {key}: missing value");
            }

            return removed;
        }

        var array = (JsonArray)container;
        var index = Index(key, path, kind);
        if (index >= array.Count || index < -array.Count)
        {
            throw PatchException.Rejected($"error in {kind} for path: '{path}': Unable to access invalid index: {index}: invalid index referenced");
        }

        index = index < 0 ? index + array.Count : index;
        var item = array[index];
        array.RemoveAt(index);
        return item;
    }

    private static JsonNode Replace(JsonNode root, string path, JsonNode? value)
    {
        if (path.Length == 0)
        {
            return value as JsonObject ?? throw PatchException.Rejected("replace operation value must be object or array");
        }

        var (container, key) = Find(root, path) ?? throw PatchException.Rejected($"replace operation does not apply: doc is missing path: {path}: missing value");
        if (container is JsonObject obj)
        {
            obj[key] = value;
            return root;
        }

        var array = (JsonArray)container;
        if (!TryIndex(key, out var index) || index >= array.Count || index < -array.Count)
        {
            throw PatchException.Rejected($"replace operation does not apply: doc is missing key: {path}: missing value");
        }

        array[index < 0 ? index + array.Count : index] = value;
        return root;
    }

    private static void Move(JsonNode root, string from, string path)
    {
        var (source, sourceKey) = Find(root, from) ?? throw PatchException.Rejected($"move operation does not apply: doc is missing from path: {from}: missing value");
        var value = RemoveAt(source, sourceKey, from, "move");
        var (target, key) = Find(root, path) ?? throw PatchException.Rejected($"move operation does not apply: doc is missing destination path: {path}: missing value");
        Add(target, key, value, path, "move");
    }

    private static void Copy(JsonNode root, string from, string path)
    {
        var (source, sourceKey) = Find(root, from) ?? throw PatchException.Rejected($"copy operation does not apply: doc is missing from path: {from}: missing value");
        if (!TryGet(source, sourceKey, out var value))
        {
            throw PatchException.Rejected($"copy operation does not apply: doc is missing from key: {from}: missing value");
        }

        var (target, key) = Find(root, path) ?? throw PatchException.Rejected($"copy operation does not apply: doc is missing destination path: {path}: missing value");
        Add(target, key, value?.DeepClone(), path, "copy");
    }

    private static void Add(JsonNode container, string key, JsonNode? value, string path, string kind)
    {
        if (container is JsonObject obj)
        {
            obj[key] = value;
            return;
        }

        var array = (JsonArray)container;
        if (key == "-")
        {
            array.Add(value);
            return;
        }

        var index = Index(key, path, kind);
        var size = array.Count + 1;
        if (index >= size || index < -size)
        {
            throw PatchException.Rejected($"error in {kind} for path: '{path}': Unable to access invalid index: {index}: invalid index referenced");
        }

        array.Insert(index < 0 ? index + size : index, value);
    }

    private static void Test(JsonNode root, string path, JsonNode? expected)
    {
        JsonNode? actual;
        if (path.Length == 0)
        {
            actual = root;
        }
        else
        {
            var (container, key) = Find(root, path) ?? throw PatchException.Rejected($"test operation does not apply: is missing path: {path}: missing value");
            if (container is JsonArray array && (!TryIndex(key, out var index) || index >= array.Count || index < -array.Count))
            {
                throw PatchException.Rejected($"error in test for path: '{path}': Unable to access invalid index: {key}: invalid index referenced");
            }

            TryGet(container, key, out actual);
        }

        if (JsonValues.IsNull(actual) ? JsonValues.IsNull(expected) : JsonValues.DeepEquals(actual, expected))
        {
            return;
        }

        throw PatchException.Rejected($"testing value {path} failed: test failed");
    }

    /// <summary>The container of the value <paramref name="path"/> points at and the last token; null when a step is missing.</summary>
    private static (JsonNode Container, string Key)? Find(JsonNode root, string path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return null;
        }

        var tokens = JsonPointer.Parse(path);
        JsonNode? current = root;
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            if (!TryGet(current!, tokens[i], out current) || current is not (JsonObject or JsonArray))
            {
                return null;
            }
        }

        return (current!, tokens[^1]);
    }

    private static bool TryGet(JsonNode container, string key, out JsonNode? value)
    {
        value = null;
        switch (container)
        {
            case JsonObject obj:
                return obj.TryGetPropertyValue(key, out value);
            case JsonArray array when TryIndex(key, out var index) && index < array.Count && index >= -array.Count:
                value = array[index < 0 ? index + array.Count : index];
                return true;
            default:
                return false;
        }
    }

    /// <summary>An array index as Go's <c>strconv.Atoi</c> reads it: optional sign, decimal digits.</summary>
    private static bool TryIndex(string key, out int index) =>
        int.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out index);

    private static int Index(string key, string path, string kind) =>
        TryIndex(key, out var index)
            ? index
            : throw PatchException.Rejected($"error in {kind} for path: '{path}': value was not a proper array index: '{key}': strconv.Atoi: parsing {JsonValues.GoQuote(key)}: invalid syntax");
}
