using System.Text.Json;
using System.Text.Json.Nodes;

namespace Berth.Api.Patch;

/// <summary>
/// The list half of <see cref="StrategicMergePatch"/>: merging lists with the <c>merge</c> strategy and ordering
/// the result, after apimachinery's <c>mergeSlice</c>, <c>normalizeElementOrder</c> and <c>mergeSortedSlice</c>.
/// Items are detached <see cref="JsonNode"/>s; lists of objects are keyed by their merge key, lists of scalars by value.
/// </summary>
internal static class StrategicListMerge
{
    private enum ElementType
    {
        Object,
        Array,
        String,
        Number,
        Bool,
        Null,
    }

    /// <summary>
    /// Merges <paramref name="patch"/> into <paramref name="original"/>. Returns the merged list in patch order then
    /// live order, and the live order as apimachinery's <c>$setElementOrder</c> step then sees it: the live list after
    /// <c>$patch: delete</c> items were removed, followed by appended items up to the live list's length. (The Go code
    /// deletes and appends in place in the live slice's backing array; the outcome is deterministic and clients'
    /// results depend on it, e.g. where a new container lands relative to a sidecar when another container is deleted.)
    /// </summary>
    public static (List<JsonNode?> Merged, List<JsonNode?> ServerOrder) Merge(
        string name, List<JsonNode?> original, List<JsonNode?> patch, PatchField? field, bool isDeleteList)
    {
        if (original.Count == 0 && patch.Count == 0)
        {
            return ([], []);
        }

        var type = ElementKind(original, patch);
        var mergeKey = field?.MergeKey;
        if (type != ElementType.Object)
        {
            if (isDeleteList)
            {
                return (original.Where(item => !patch.Any(d => JsonValues.DeepEquals(item, d))).ToList(), original);
            }

            var all = new List<JsonNode?>();
            foreach (var item in original.Concat(patch))
            {
                if (!all.Any(x => JsonValues.DeepEquals(x, item)))
                {
                    all.Add(item);
                }
            }

            var (inPatch, serverOnly) = Partition(all, patch, null);
            return (Normalize(inPatch, serverOnly, patch, original, null), original);
        }

        if (mergeKey is null)
        {
            throw PatchException.Invalid($"cannot merge lists without merge key for {name}");
        }

        var remaining = new List<JsonNode?>(original);
        var plain = new List<JsonNode?>();
        var replace = false;
        foreach (var item in patch)
        {
            var obj = (JsonObject)item!;
            if (!obj.TryGetPropertyValue(StrategicMergePatch.DirectiveMarker, out var directive))
            {
                plain.Add(obj);
                continue;
            }

            switch (directive is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null)
            {
                case "delete":
                    if (!obj.TryGetPropertyValue(mergeKey, out var keyValue))
                    {
                        throw NoMergeKey(obj, mergeKey);
                    }

                    remaining.RemoveAll(x => x is JsonObject o && o.TryGetPropertyValue(mergeKey, out var k) && JsonValues.DeepEquals(k, keyValue));
                    break;
                case "replace":
                    replace = true;
                    break;
                case "merge":
                    throw PatchException.Invalid("merging lists cannot yet be specified in the patch");
                default:
                    throw PatchException.Invalid($"unknown patch type: {JsonValues.GoFormat(directive)} in map: {JsonValues.GoFormat(obj)}");
            }
        }

        if (replace)
        {
            var replaced = plain.Where(item => StrategicMergePatch.Clean(item, dropPatchMaps: false)).ToList();
            return (Normalize([], replaced, [], replaced, mergeKey), remaining);
        }

        // Merging consumes the patch items, so their order is kept as stand-ins holding only the merge key.
        var patchOrder = new List<JsonNode?>(plain.Count);
        foreach (var item in plain)
        {
            var obj = (JsonObject)item!;
            patchOrder.Add(obj.TryGetPropertyValue(mergeKey, out var keyValue)
                ? new JsonObject { [mergeKey] = keyValue?.DeepClone() }
                : throw NoMergeKey(obj, mergeKey));
        }

        var merged = new List<JsonNode?>(remaining);
        var appended = new List<JsonNode?>();
        var itemSchema = field?.Schema ?? PatchSchema.Empty;
        foreach (var item in plain)
        {
            var obj = (JsonObject)item!;
            var keyValue = obj[mergeKey];

            var index = merged.FindIndex(x => x is JsonObject o && o.TryGetPropertyValue(mergeKey, out var k) && JsonValues.DeepEquals(k, keyValue));
            if (index >= 0)
            {
                merged[index] = StrategicMergePatch.MergeMap((JsonObject)merged[index]!, obj, itemSchema);
            }
            else
            {
                StrategicMergePatch.Clean(obj, dropPatchMaps: false);
                merged.Add(obj);
                appended.Add(obj);
            }
        }

        var (patchItems, serverItems) = Partition(merged, patchOrder, mergeKey);
        var result = Normalize(patchItems, serverItems, patchOrder, remaining, mergeKey);
        var serverOrder = remaining.Concat(appended).Take(original.Count).ToList();
        return (result, serverOrder);
    }

    /// <summary>
    /// Orders <paramref name="merged"/> for <c>$setElementOrder</c>: items named by <paramref name="order"/> in that
    /// order, the others in <paramref name="serverOrder"/>, interleaved so each keeps its live neighbours.
    /// </summary>
    public static List<JsonNode?> OrderBy(List<JsonNode?> merged, List<JsonNode?> order, List<JsonNode?> serverOrder, string? mergeKey)
    {
        var (inOrder, serverOnly) = Partition(merged, order, mergeKey);
        return Normalize(inOrder, serverOnly, order, serverOrder, mergeKey);
    }

    /// <summary>
    /// Checks that the patch's items (deletions aside) appear in <c>$setElementOrder</c> in the same relative order
    /// (apimachinery's validatePatchWithSetOrderList).
    /// </summary>
    public static void ValidateOrder(List<JsonNode?> patch, List<JsonNode?> order, string? mergeKey)
    {
        if (order.Count == 0 || patch.Count == 0)
        {
            return;
        }

        var nonDelete = mergeKey is null ? patch : patch.Where(item => !IsDeleteDirective(AsMap(item))).ToList();
        int p = 0, s = 0;
        while (p < nonDelete.Count && s < order.Count)
        {
            if (nonDelete[p] is JsonObject o && o.ContainsKey(StrategicMergePatch.DirectiveMarker))
            {
                p++;
                continue;
            }

            if (KeyValueEqual(nonDelete[p], order[s], mergeKey))
            {
                p++;
            }

            s++;
        }

        if (p < nonDelete.Count && s >= order.Count)
        {
            throw PatchException.Invalid(
                $"The order in patch list:\n{GoList(patch)}\n doesn't match {StrategicMergePatch.SetElementOrderPrefix} list:\n{GoList(order)}\n");
        }
    }

    private static bool IsDeleteDirective(JsonObject item) =>
        item.TryGetPropertyValue(StrategicMergePatch.DirectiveMarker, out var d) && d is JsonValue v &&
        v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == "delete";

    private static bool KeyValueEqual(JsonNode? left, JsonNode? right, string? mergeKey)
    {
        if (mergeKey is null)
        {
            return JsonValues.DeepEquals(left, right);
        }

        return JsonValues.DeepEquals(KeyOf(AsMap(left), mergeKey), KeyOf(AsMap(right), mergeKey));
    }

    /// <summary>The common type of the items of both lists; fails on lists of lists and on mixed types.</summary>
    public static void CheckElementTypes(List<JsonNode?> a, List<JsonNode?> b) => ElementKind(a, b);

    private static ElementType ElementKind(List<JsonNode?> a, List<JsonNode?> b)
    {
        ElementType? type = null;
        foreach (var item in a.Concat(b))
        {
            var current = TypeOf(item);
            if (type is null)
            {
                if (current == ElementType.Array)
                {
                    throw PatchException.Invalid("lists of lists are not supported");
                }

                type = current;
            }
            else if (type != current)
            {
                throw PatchException.Invalid($"list element types are not identical: [{GoList(a)} {GoList(b)}]");
            }
        }

        return type ?? throw PatchException.Invalid("no elements in any of the given slices");
    }

    private static ElementType TypeOf(JsonNode? node) => JsonValues.Kind(node) switch
    {
        JsonValueKind.Object => ElementType.Object,
        JsonValueKind.Array => ElementType.Array,
        JsonValueKind.String => ElementType.String,
        JsonValueKind.Number => ElementType.Number,
        JsonValueKind.True or JsonValueKind.False => ElementType.Bool,
        _ => ElementType.Null,
    };

    /// <summary>Splits <paramref name="items"/> into those present in <paramref name="by"/> and the rest, keeping order.</summary>
    private static (List<JsonNode?> In, List<JsonNode?> Out) Partition(List<JsonNode?> items, List<JsonNode?> by, string? mergeKey)
    {
        var inside = new List<JsonNode?>();
        var outside = new List<JsonNode?>();
        foreach (var item in items)
        {
            bool found;
            if (mergeKey is null)
            {
                found = by.Any(b => JsonValues.DeepEquals(b, item));
            }
            else
            {
                var key = KeyOf(AsMap(item), mergeKey);
                found = by.Select(AsMapInList).Any(b => b.TryGetPropertyValue(mergeKey, out var k) && JsonValues.DeepEquals(k, key));
            }

            (found ? inside : outside).Add(item);
        }

        return (inside, outside);
    }

    /// <summary>
    /// apimachinery's normalizeElementOrder: sorts the patch's items by <paramref name="patchOrder"/> and the live-only
    /// items by <paramref name="serverOrder"/>, then merges the two runs, taking a live item first only when it
    /// precedes the next patch item in the live order.
    /// </summary>
    private static List<JsonNode?> Normalize(List<JsonNode?> patchItems, List<JsonNode?> serverOnly, List<JsonNode?> patchOrder,
        List<JsonNode?> serverOrder, string? mergeKey)
    {
        if (mergeKey is not null)
        {
            foreach (var item in patchItems.Concat(patchOrder).Concat(serverOnly).Concat(serverOrder))
            {
                KeyOf(AsMap(item), mergeKey);
            }
        }

        var left = SortByIndex(serverOnly, serverOrder, mergeKey);
        var right = SortByIndex(patchItems, patchOrder, mergeKey);
        var result = new List<JsonNode?>(left.Count + right.Count);
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (i >= left.Count)
            {
                result.Add(right[j++]);
            }
            else if (j >= right.Count)
            {
                result.Add(left[i++]);
            }
            else
            {
                var li = IndexIn(serverOrder, left[i], mergeKey);
                var ri = IndexIn(serverOrder, right[j], mergeKey);
                result.Add(li >= 0 && ri >= 0 && li < ri ? left[i++] : right[j++]);
            }
        }

        return result;
    }

    private static List<JsonNode?> SortByIndex(List<JsonNode?> items, List<JsonNode?> order, string? mergeKey) =>
        items.Select(item => (Item: item, Index: IndexIn(order, item, mergeKey)))
            .OrderBy(x => x.Index < 0 ? int.MaxValue : x.Index)
            .Select(x => x.Item)
            .ToList();

    private static int IndexIn(List<JsonNode?> list, JsonNode? item, string? mergeKey)
    {
        if (mergeKey is null)
        {
            return list.FindIndex(x => JsonValues.DeepEquals(x, item));
        }

        if (item is not JsonObject obj || !obj.TryGetPropertyValue(mergeKey, out var key))
        {
            return -1;
        }

        return list.FindIndex(x => x is JsonObject o && o.TryGetPropertyValue(mergeKey, out var k) && JsonValues.DeepEquals(k, key));
    }

    private static JsonObject AsMap(JsonNode? item) => item as JsonObject ?? throw BadArgType("map[string]interface {}", item);

    private static JsonObject AsMapInList(JsonNode? item, int index) =>
        item as JsonObject ?? throw PatchException.Invalid($"value for key {index} is not a map");

    private static JsonNode? KeyOf(JsonObject item, string mergeKey) =>
        item.TryGetPropertyValue(mergeKey, out var key) ? key : throw NoMergeKey(item, mergeKey);

    public static PatchException NoMergeKey(JsonObject item, string mergeKey) =>
        PatchException.Invalid($"map: {JsonValues.GoFormat(item)} does not contain declared merge key: {mergeKey}");

    /// <summary>apimachinery's ErrBadArgType: <c>expected a []interface {}, but received a string</c>.</summary>
    public static PatchException BadArgType(string expected, JsonNode? actual) =>
        PatchException.Invalid($"expected a {expected}, but received a {JsonValues.GoTypeName(actual)}");

    private static string GoList(IEnumerable<JsonNode?> items) => "[" + string.Join(" ", items.Select(JsonValues.GoFormat)) + "]";
}
