using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Images;

/// <summary>
/// An image manifest: OCI (<see cref="MediaTypes.OciManifest"/>) or Docker schema 2
/// (<see cref="MediaTypes.DockerManifest"/>), which share this shape. <see cref="Layers"/> are
/// ordered base first, as the spec says.
/// </summary>
public sealed record OciManifest
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; set; } = 2;
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("config")] public required OciDescriptor Config { get; init; }
    [JsonPropertyName("layers")] public List<OciDescriptor> Layers { get; set; } = [];
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
}
