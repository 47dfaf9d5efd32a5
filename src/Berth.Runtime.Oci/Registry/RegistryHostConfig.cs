using System.Text.Json.Serialization;

namespace Berth.Runtime.Oci.Registry;

/// <summary>
/// Settings for one registry host (<c>host[:port]</c>), from <c>DATA_DIR/registries.json</c> or flags.
/// </summary>
public sealed record RegistryHostConfig
{
    /// <summary>Plain HTTP (after an HTTPS attempt without certificate checks, as Docker does). Null: the default,
    /// which is insecure for <c>localhost</c> and 127.0.0.0/8 only.</summary>
    [JsonPropertyName("insecure")] public bool? Insecure { get; init; }

    /// <summary>PEM file of the CA(s) that sign this registry's certificate, trusted in addition to the system's.</summary>
    [JsonPropertyName("caFile")] public string? CaFile { get; init; }

    /// <summary>
    /// Pull from this <c>host[:port]</c> instead of the registry's own address (a mirror, as Docker's
    /// <c>registry-mirrors</c> and containerd's <c>hosts.toml</c> servers). References keep their names.
    /// </summary>
    [JsonPropertyName("mirror")] public string? Mirror { get; init; }

    [JsonPropertyName("username")] public string? Username { get; init; }

    [JsonPropertyName("password")] public string? Password { get; init; }
}
