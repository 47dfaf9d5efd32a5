using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Client;

namespace Berth.Api.Patch;

/// <summary>
/// The entry point for the API's PATCH handler: decodes the request body and applies it with the patch type
/// of the request's <c>Content-Type</c> (<see cref="PatchTypes.FromContentType"/>). The result is a new object;
/// the handler then runs the resource strategy (PrepareForUpdate, defaults, validation) on it as for an update.
/// <code>
///   PATCH  → FromContentType (null → 415)
///          → Apply(live, type, body, PatchSchema.For(group, kind))
///                 Json            → JsonPatch        (400 undecodable, 413 > 10000 ops, 422 op fails)
///                 Merge           → JsonMergePatch   (400 not an object)
///                 StrategicMerge  → StrategicMergePatch (415 when the kind has no schema; 400/422)
///                 Apply           → 415 (server-side apply is not implemented)
/// </code>
/// </summary>
public static class ObjectPatcher
{
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 512 };

    /// <summary>Decodes <paramref name="body"/> and applies it to a copy of <paramref name="original"/>.</summary>
    /// <param name="schema">The kind's strategic-merge schema (<see cref="PatchSchema.For"/>); null refuses strategic merge patches with 415.</param>
    /// <exception cref="PatchException">The patch cannot be decoded or applied; carries the status to answer.</exception>
    public static JsonObject Apply(JsonObject original, PatchType type, ReadOnlySpan<byte> body, PatchSchema? schema)
    {
        EnsureSupported(type, schema);
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(body, documentOptions: ParseOptions);
        }
        catch (JsonException e)
        {
            throw PatchException.BadRequest(type == PatchType.Merge ? "Invalid JSON Patch" : $"error decoding patch: {e.Message}");
        }

        return Apply(original, type, patch, schema);
    }

    /// <summary>Applies an already decoded patch to a copy of <paramref name="original"/>.</summary>
    public static JsonObject Apply(JsonObject original, PatchType type, JsonNode? patch, PatchSchema? schema)
    {
        EnsureSupported(type, schema);
        return type switch
        {
            PatchType.Json => JsonPatch.Apply(original, patch),
            PatchType.Merge => JsonMergePatch.Apply(original, patch),
            _ => StrategicMergePatch.Apply(original, patch, schema!),
        };
    }

    private static void EnsureSupported(PatchType type, PatchSchema? schema)
    {
        if (type == PatchType.Apply || (type == PatchType.StrategicMerge && schema is null))
        {
            throw PatchException.UnsupportedMediaType(PatchTypes.Accepted(strategic: schema is not null));
        }
    }
}
