namespace Berth.Api.KubeVirt;

/// <summary>A port forwarded to a masqueraded guest; <see cref="Protocol"/> is TCP or UDP.</summary>
public sealed record VmPodPort
{
    public required int Port { get; init; }

    public string Protocol { get; set; } = "TCP";
}
