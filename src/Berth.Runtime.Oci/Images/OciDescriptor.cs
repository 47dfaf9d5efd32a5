using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Images;

/// <summary>An OCI content descriptor (https://github.com/opencontainers/image-spec/blob/main/descriptor.md).</summary>
public sealed record OciDescriptor
{
    [JsonPropertyName("mediaType")] public required string MediaType { get; init; }
    [JsonPropertyName("digest")] public required string Digest { get; init; }
    [JsonPropertyName("size")] public required long Size { get; init; }
    [JsonPropertyName("platform")] public OciPlatform? Platform { get; init; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
    [JsonPropertyName("urls")] public List<string>? Urls { get; init; }
}
