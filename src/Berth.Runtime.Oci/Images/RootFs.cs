using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Images;

public sealed record RootFs
{
    [JsonPropertyName("type")] public string Type { get; set; } = "layers";
    [JsonPropertyName("diff_ids")] public List<string> DiffIds { get; set; } = [];
}
