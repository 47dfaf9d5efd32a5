using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Images;

/// <summary>
/// The image configuration blob (https://github.com/opencontainers/image-spec/blob/main/config.md);
/// Docker's <c>application/vnd.docker.container.image.v1+json</c> has the same fields.
/// <see cref="RootFs"/>.DiffIds are the sha256 of each layer's uncompressed tar, base first.
/// </summary>
public sealed record OciImageConfig
{
    [JsonPropertyName("created")] public DateTimeOffset? Created { get; init; }
    [JsonPropertyName("author")] public string? Author { get; init; }
    [JsonPropertyName("architecture")] public string Architecture { get; set; } = "amd64";
    [JsonPropertyName("os")] public string Os { get; set; } = "linux";
    [JsonPropertyName("config")] public ContainerConfig? Config { get; init; }
    [JsonPropertyName("rootfs")] public RootFs RootFs { get; set; } = new();
    [JsonPropertyName("history")] public List<HistoryEntry>? History { get; init; }
}
