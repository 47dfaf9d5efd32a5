using System.Text.Json.Nodes;

namespace Berth.Api.Patch;

/// <summary>
/// Kubernetes' strategic merge patch (<c>application/strategic-merge-patch+json</c>), applied the way
/// k8s.io/apimachinery/pkg/util/strategicpatch's <c>StrategicMergeMapPatch</c> does on the server
/// (<c>MergeParallelList</c> and <c>IgnoreUnmatchedNulls</c> on):
/// <list type="bullet">
/// <item>objects merge key by key; <c>null</c> deletes a key; a key the live object lacks takes the patch's value
/// with its nulls and directives removed;</item>
/// <item>lists whose field has strategy <c>merge</c> (<see cref="PatchSchema"/>) merge item by item on the merge key,
/// lists of scalars merge as sets; all other lists are replaced;</item>
/// <item>directives: <c>$patch: replace</c> / <c>$patch: delete</c> in an object (replace it by the rest of the patch
/// / by <c>{}</c>); <c>{"$patch":"delete", KEY: v}</c> items delete list items; a <c>{"$patch":"replace"}</c> item
/// replaces the list with the patch's items; <c>$retainKeys: [..]</c> clears the keys of the live object not named;
/// <c>$setElementOrder/LIST: [..]</c> orders the merged list; <c>$deleteFromPrimitiveList/LIST: [..]</c> removes scalars.</item>
/// </list>
/// Order of merged lists follows apimachinery: <c>$setElementOrder</c> first, then the patch's order, then the live
/// order; live-only items keep their place relative to the items around them.
/// <para>Berth stores the JSON clients send rather than Go structs, so it removes what decoding into a Go struct
/// would have dropped: directive keys (<c>$patch</c>, <c>$retainKeys</c>, <c>$setElementOrder/..</c>,
/// <c>$deleteFromPrimitiveList/..</c>) and nulls inside values that enter the object. Unknown fields (no schema)
/// merge by default instead of being dropped.</para>
/// Errors are <see cref="PatchException"/>: 400 for malformed directives, 422 for patches that do not fit.
/// </summary>
public static class StrategicMergePatch
{
    internal const string DirectiveMarker = "$patch";
    internal const string RetainKeysDirective = "$retainKeys";
    internal const string SetElementOrderPrefix = "$setElementOrder";
    internal const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";

    /// <summary>Applies <paramref name="patch"/> to a copy of <paramref name="original"/> using <paramref name="schema"/>.</summary>
    public static JsonObject Apply(JsonObject original, JsonObject patch, PatchSchema schema) =>
        MergeMap((JsonObject)original.DeepClone(), (JsonObject)patch.DeepClone(), schema);

    /// <summary>Applies a decoded request body: it must be a JSON object (null is an empty patch).</summary>
    public static JsonObject Apply(JsonObject original, JsonNode? patch, PatchSchema schema) => patch switch
    {
        null => (JsonObject)original.DeepClone(),
        JsonObject obj => Apply(original, obj, schema),
        _ => throw PatchException.BadRequest($"json: cannot unmarshal {GoJsonKind(patch)} into Go value of type map[string]interface {{}}"),
    };

    private static string GoJsonKind(JsonNode node) => node switch
    {
        JsonArray => "array",
        _ => JsonValues.Kind(node) switch
        {
            System.Text.Json.JsonValueKind.String => "string",
            System.Text.Json.JsonValueKind.Number => "number",
            _ => "bool",
        },
    };

    /// <summary>
    /// Merges <paramref name="patch"/> into <paramref name="original"/> (both owned by the caller and modified) and
    /// returns the result, which is <paramref name="original"/> unless a <c>$patch</c> directive replaced it.
    /// </summary>
    internal static JsonObject MergeMap(JsonObject original, JsonObject patch, PatchSchema schema)
    {
        if (patch.TryGetPropertyValue(DirectiveMarker, out var directive))
        {
            return DirectiveInMap(directive, patch);
        }

        ApplyRetainKeys(original, patch);
        MergeOrderedLists(original, patch, schema);

        foreach (var key in patch.Select(p => p.Key).ToList())
        {
            var patchValue = JsonValues.Take(patch, key);
            var name = key;
            var isDeleteList = false;
            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                name = ExtractKey(key, DeleteFromPrimitiveListPrefix);
                isDeleteList = true;
            }

            if (patchValue is null)
            {
                original.Remove(name);
                continue;
            }

            if (!original.TryGetPropertyValue(name, out var originalValue) || originalValue is null)
            {
                if (!isDeleteList)
                {
                    SetFresh(original, name, patchValue);
                }

                continue;
            }

            switch (originalValue, patchValue)
            {
                case (JsonObject originalObject, JsonObject patchObject):
                    var field = schema.Field(name);
                    if (field?.Strategy == PatchStrategy.Replace)
                    {
                        Clean(patchObject, dropPatchMaps: false);
                        original[name] = patchObject;
                    }
                    else
                    {
                        var merged = MergeMap(originalObject, patchObject, schema.Child(name));
                        if (!ReferenceEquals(merged, originalObject))
                        {
                            original[name] = merged;
                        }
                    }

                    break;
                case (JsonArray originalArray, JsonArray patchArray):
                    var listField = schema.Field(name);
                    if (listField?.Strategy == PatchStrategy.Merge || isDeleteList)
                    {
                        var items = StrategicListMerge.Merge(name, JsonValues.Detach(originalArray), JsonValues.Detach(patchArray), listField, isDeleteList);
                        original[name] = JsonValues.ToArray(items.Merged);
                    }
                    else
                    {
                        Clean(patchArray, dropPatchMaps: false);
                        original[name] = patchArray;
                    }

                    break;
                default:
                    if (!isDeleteList)
                    {
                        SetFresh(original, name, patchValue);
                    }

                    break;
            }
        }

        return original;
    }

    /// <summary><c>$patch</c> in an object: <c>replace</c> takes the rest of the patch as the value, <c>delete</c> leaves <c>{}</c>.</summary>
    private static JsonObject DirectiveInMap(JsonNode? directive, JsonObject patch)
    {
        switch (directive is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : null)
        {
            case "replace":
                patch.Remove(DirectiveMarker);
                Clean(patch, dropPatchMaps: false);
                return patch;
            case "delete":
                return [];
            default:
                throw PatchException.Invalid($"unknown patch type: {JsonValues.GoFormat(directive)} in map: {JsonValues.GoFormat(patch)}");
        }
    }

    /// <summary>
    /// <c>$retainKeys</c>: every key of the patch must be listed (nulls and parallel lists aside), and keys of
    /// <paramref name="original"/> not listed are cleared before merging.
    /// </summary>
    private static void ApplyRetainKeys(JsonObject original, JsonObject patch)
    {
        if (!patch.TryGetPropertyValue(RetainKeysDirective, out var retain))
        {
            return;
        }

        patch.Remove(RetainKeysDirective);
        if (retain is not JsonArray list)
        {
            throw PatchException.BadRequest("invalid patch format of retainKeys");
        }

        var keep = list.OfType<JsonValue>()
            .Where(v => v.GetValueKind() == System.Text.Json.JsonValueKind.String)
            .Select(v => v.GetValue<string>())
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (value is null || key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal) ||
                key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (!keep.Contains(key))
            {
                throw PatchException.BadRequest("invalid patch format of retainKeys");
            }
        }

        foreach (var key in original.Select(p => p.Key).ToList())
        {
            if (!keep.Contains(key))
            {
                original.Remove(key);
            }
        }
    }

    /// <summary>
    /// <c>$setElementOrder/LIST</c>: merges LIST (live and patch) and orders the result by the directive, then the
    /// live order for items the directive does not name. Lists without the merge strategy are left to the main
    /// loop, which replaces them (apimachinery would fail on those).
    /// </summary>
    private static void MergeOrderedLists(JsonObject original, JsonObject patch, PatchSchema schema)
    {
        foreach (var key in patch.Select(p => p.Key).Where(k => k.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal)).ToList())
        {
            var order = JsonValues.Take(patch, key);
            if (order is not JsonArray orderArray)
            {
                throw StrategicListMerge.BadArgType("[]interface {}", order);
            }

            var name = ExtractKey(key, SetElementOrderPrefix);
            var foundOriginal = original.TryGetPropertyValue(name, out var originalValue);
            var foundPatch = patch.TryGetPropertyValue(name, out var patchValue);
            if (foundOriginal && originalValue is not JsonArray)
            {
                throw StrategicListMerge.BadArgType("[]interface {}", originalValue);
            }

            if (foundPatch && patchValue is not JsonArray)
            {
                throw StrategicListMerge.BadArgType("[]interface {}", patchValue);
            }

            var field = schema.Field(name);
            if (field?.Strategy != PatchStrategy.Merge)
            {
                continue;
            }

            var orderItems = orderArray.ToList();
            var originalItems = foundOriginal ? JsonValues.Detach((JsonArray)originalValue!) : [];
            var patchItems = foundPatch ? JsonValues.Detach((JsonArray)patchValue!) : [];
            StrategicListMerge.ValidateOrder(patchItems, orderItems, field.MergeKey);

            List<JsonNode?> merged;
            List<JsonNode?> serverOrder;
            switch (foundOriginal, foundPatch)
            {
                case (true, false):
                    merged = originalItems;
                    serverOrder = originalItems;
                    break;
                case (false, true):
                    merged = patchItems.Where(item => Clean(item, dropPatchMaps: true)).ToList();
                    serverOrder = [];
                    break;
                case (true, true):
                    (merged, serverOrder) = StrategicListMerge.Merge(name, originalItems, patchItems, field, isDeleteList: false);
                    break;
                default:
                    continue;
            }

            if (originalItems.Count + patchItems.Count > 0)
            {
                StrategicListMerge.CheckElementTypes(originalItems, patchItems);
            }

            original[name] = JsonValues.ToArray(StrategicListMerge.OrderBy(merged, orderItems, serverOrder, field.MergeKey));
            patch.Remove(name);
        }
    }

    /// <summary>The list name after a directive prefix: <c>$setElementOrder/containers</c> → <c>containers</c>.</summary>
    private static string ExtractKey(string key, string prefix)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || key[..slash] != prefix)
        {
            throw PatchException.BadRequest(prefix == DeleteFromPrimitiveListPrefix
                ? "invalid patch format of primitive list"
                : "invalid patch format of setElementOrder list");
        }

        return key[(slash + 1)..];
    }

    /// <summary>Sets <paramref name="name"/> to a value from the patch that has nothing to merge with (apimachinery's removeDirectives).</summary>
    private static void SetFresh(JsonObject obj, string name, JsonNode value)
    {
        if (Clean(value, dropPatchMaps: true))
        {
            obj[name] = value;
        }
        else
        {
            obj.Remove(name);
        }
    }

    internal static bool IsDirectiveKey(string key) =>
        key is DirectiveMarker or RetainKeysDirective ||
        key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal) ||
        key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Prepares a value that enters the object without merging: removes nulls from objects and directive keys.
    /// With <paramref name="dropPatchMaps"/>, an object carrying <c>$patch</c> is dropped entirely (returns false),
    /// as apimachinery's removeDirectives does for values with nothing to merge into; otherwise only the key goes.
    /// </summary>
    internal static bool Clean(JsonNode? node, bool dropPatchMaps)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj.ContainsKey(DirectiveMarker) && dropPatchMaps)
                {
                    return false;
                }

                foreach (var (key, value) in obj.ToList())
                {
                    if (value is null || IsDirectiveKey(key) || !Clean(value, dropPatchMaps))
                    {
                        obj.Remove(key);
                    }
                }

                return true;
            case JsonArray array:
                for (var i = array.Count - 1; i >= 0; i--)
                {
                    if (!Clean(array[i], dropPatchMaps))
                    {
                        array.RemoveAt(i);
                    }
                }

                return true;
            default:
                return true;
        }
    }
}
