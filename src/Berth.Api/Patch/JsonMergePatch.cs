using System.Text.Json.Nodes;

namespace Berth.Api.Patch;

/// <summary>
/// RFC 7386 JSON Merge Patch (<c>application/merge-patch+json</c>) as the apiserver applies it with
/// evanphx/json-patch's <c>MergePatch</c>: members of the patch replace those of the document, objects merge
/// recursively, <c>null</c> deletes a member, and arrays are replaced whole. Kubectl uses it for custom
/// resources (no strategic merge there), <c>kubectl scale</c> and <c>kubectl label/annotate</c>.
/// <para>As in that library, nulls are pruned from every value the patch brings in, including objects nested in
/// arrays (the RFC keeps nulls inside arrays' objects); a value that replaces a non-object is pruned, an array
/// that replaces an object is taken as it is.</para>
/// A patch that is not a JSON object is answered 400 "Invalid JSON Patch" (an array would replace the whole
/// object, which no Kubernetes object survives).
/// </summary>
public static class JsonMergePatch
{
    /// <summary>Applies <paramref name="patch"/> to a copy of <paramref name="document"/>.</summary>
    public static JsonObject Apply(JsonObject document, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            throw PatchException.BadRequest("Invalid JSON Patch");
        }

        var result = (JsonObject)document.DeepClone();
        MergeObjects(result, (JsonObject)patchObject.DeepClone());
        return result;
    }

    private static void MergeObjects(JsonObject doc, JsonObject patch)
    {
        foreach (var key in patch.Select(p => p.Key).ToList())
        {
            var value = JsonValues.Take(patch, key);
            if (value is null)
            {
                doc.Remove(key);
            }
            else if (!doc.TryGetPropertyValue(key, out var current) || current is null)
            {
                doc[key] = Prune(value);
            }
            else if (current is not JsonObject currentObject)
            {
                doc[key] = Prune(value);
            }
            else if (value is JsonObject valueObject)
            {
                MergeObjects(currentObject, valueObject);
            }
            else
            {
                doc[key] = value;
            }
        }
    }

    /// <summary>Removes null members from objects, recursively through objects and arrays.</summary>
    internal static JsonNode? Prune(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (value is null)
                    {
                        obj.Remove(key);
                    }
                    else
                    {
                        Prune(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Prune(item);
                }

                break;
        }

        return node;
    }
}
