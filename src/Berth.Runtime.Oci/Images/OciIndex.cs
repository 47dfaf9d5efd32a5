using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Images;

/// <summary>An image index (OCI) or manifest list (Docker): one manifest per platform.</summary>
public sealed record OciIndex
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; set; } = 2;
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("manifests")] public List<OciDescriptor> Manifests { get; set; } = [];
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }

    /// <summary>
    /// The manifest for <c>linux/amd64</c>, as containerd's default platform matcher chooses it:
    /// an entry with that platform, else one without a platform (single-platform indexes written by
    /// tools such as <c>skopeo</c>); null when the index has no usable entry.
    /// </summary>
    public OciDescriptor? SelectLinuxAmd64() =>
        Manifests.FirstOrDefault(m => m.Platform is { Os: "linux", Architecture: "amd64" } && MediaTypes.IsManifest(m.MediaType))
        ?? Manifests.FirstOrDefault(m => m.Platform is null && MediaTypes.IsManifest(m.MediaType));
}
