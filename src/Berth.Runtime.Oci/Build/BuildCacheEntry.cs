using System.Text.Json.Serialization;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Build;

/// <summary>What a cached build step produced: its layer (null when the step changed no file).</summary>
public sealed record BuildCacheEntry
{
    [JsonPropertyName("layer")] public OciDescriptor? Layer { get; init; }
    [JsonPropertyName("diffId")] public string? DiffId { get; init; }
    [JsonPropertyName("createdBy")] public string CreatedBy { get; set; } = "";
}
