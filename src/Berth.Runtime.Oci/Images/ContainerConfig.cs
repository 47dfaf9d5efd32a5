using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Images;

/// <summary>The execution parameters an image gives a container; the runtime applies pod-spec overrides on top.</summary>
public sealed record ContainerConfig
{
    [JsonPropertyName("User")] public string? User { get; init; }
    [JsonPropertyName("ExposedPorts")] public Dictionary<string, EmptyObject>? ExposedPorts { get; init; }
    [JsonPropertyName("Env")] public List<string>? Env { get; init; }
    [JsonPropertyName("Entrypoint")] public List<string>? Entrypoint { get; init; }
    [JsonPropertyName("Cmd")] public List<string>? Cmd { get; init; }
    [JsonPropertyName("Volumes")] public Dictionary<string, EmptyObject>? Volumes { get; init; }
    [JsonPropertyName("WorkingDir")] public string? WorkingDir { get; init; }
    [JsonPropertyName("Labels")] public Dictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("StopSignal")] public string? StopSignal { get; init; }
}
