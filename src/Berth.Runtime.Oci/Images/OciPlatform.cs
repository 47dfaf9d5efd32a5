using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Images;

/// <summary>The platform of an index entry; Berth runs <c>linux/amd64</c>.</summary>
public sealed record OciPlatform
{
    [JsonPropertyName("architecture")] public string Architecture { get; set; } = "";
    [JsonPropertyName("os")] public string Os { get; set; } = "";
    [JsonPropertyName("variant")] public string? Variant { get; init; }
    [JsonPropertyName("os.version")] public string? OsVersion { get; init; }
}
