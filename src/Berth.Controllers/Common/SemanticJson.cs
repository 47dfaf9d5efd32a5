using System.Text.Json.Nodes;

namespace Berth.Controllers.Common;

/// <summary>
/// Compares API objects the way <c>apiequality.Semantic.DeepEqual</c> compares Go structs: a null field, an empty
/// object and an empty list are the same as a missing one. Clients that serialize Go structs (kubectl's
/// <c>rollout undo</c> sends a template with <c>metadata.creationTimestamp: null</c> and <c>resources: {}</c>) must not
/// make a template look different from the one stored.
/// </summary>
public static class SemanticJson
{
    /// <summary>A copy without null properties and without empty objects and lists (recursively).</summary>
    public static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v) in o)
                {
                    if (Normalize(v) is { } n && !IsEmpty(n))
                    {
                        copy[k] = n;
                    }
                }

                return copy;
            case JsonArray a:
                var list = new JsonArray();
                foreach (var v in a)
                {
                    list.Add(Normalize(v) ?? JsonValue.Create((string?)null));
                }

                return list;
            default:
                return node?.DeepClone();
        }
    }

    public static bool Equal(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(Normalize(a) ?? new JsonObject(), Normalize(b) ?? new JsonObject());

    private static bool IsEmpty(JsonNode n) => n is JsonObject { Count: 0 } or JsonArray { Count: 0 };
}
