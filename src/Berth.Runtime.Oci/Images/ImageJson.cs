using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Images;

/// <summary>The JSON settings for image documents: absent fields stay absent, property names as declared.</summary>
public static class ImageJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = false,
        // Image documents are read by people (inspect) and other tools; "+" and "&" need no escaping in JSON.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = OciJsonContext.Default,
    };

    public static readonly JsonSerializerOptions Indented = new(Options) { WriteIndented = true };

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Parses a document; a malformed one becomes an <see cref="ImageStoreException"/> naming what it was.</summary>
    public static T Deserialize<T>(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new ImageStoreException($"{what}: empty JSON document");
        }
        catch (JsonException e)
        {
            throw new ImageStoreException($"{what}: malformed JSON: {e.Message}", e);
        }
    }

    /// <summary>The <c>mediaType</c> field of a manifest-like document, or null.</summary>
    public static string? PeekMediaType(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            if (doc.RootElement.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String)
            {
                return mt.GetString();
            }
            // Media type omitted (allowed by the OCI spec): an index has "manifests", a manifest has "config".
            if (doc.RootElement.TryGetProperty("manifests", out _))
            {
                return MediaTypes.OciIndex;
            }
            return doc.RootElement.TryGetProperty("config", out _) ? MediaTypes.OciManifest : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
