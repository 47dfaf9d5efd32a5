using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Registry;

/// <summary>
/// How to reach registries: the file <c>DATA_DIR/registries.json</c>, for example
/// <code>
/// {
///   "insecure": ["registry:5000"],
///   "registries": {
///     "registry.internal:443": { "caFile": "/etc/berth/internal-ca.pem", "username": "ci", "password": "…" }
///   }
/// }
/// </code>
/// plus command-line additions (<c>--insecure-registry</c>, <c>--ca-file</c>, <c>--username</c>).
/// Plain HTTP is used only for insecure registries; <c>localhost</c> and 127.0.0.0/8 are insecure
/// by default, as in Docker, unless their entry says <c>"insecure": false</c>.
/// </summary>
public sealed record RegistryOptions
{
    public const string FileName = "registries.json";

    [JsonPropertyName("insecure")] public List<string> InsecureRegistries { get; set; } = [];

    [JsonPropertyName("registries")] public Dictionary<string, RegistryHostConfig> Registries { get; set; } = [];

    /// <summary>Bytes per PATCH when pushing a blob in chunks; null or 0 pushes each blob in one PUT (monolithic).</summary>
    [JsonPropertyName("chunkSize")] public long? ChunkSize { get; init; }

    /// <summary>How many layers are transferred at once.</summary>
    [JsonPropertyName("parallelLayers")] public int ParallelLayers { get; set; } = 3;

    /// <summary>Reads <c>DATA_DIR/registries.json</c>; no file means the defaults.</summary>
    public static RegistryOptions Load(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path))
        {
            return new RegistryOptions();
        }
        try
        {
            return JsonSerializer.Deserialize<RegistryOptions>(File.ReadAllBytes(path), ImageJson.Options) ?? new RegistryOptions();
        }
        catch (JsonException e)
        {
            throw new ImageStoreException($"{path}: malformed JSON ({e.Message}); fix or remove it", e);
        }
    }

    /// <summary>
    /// The settings of <paramref name="host"/>; a <c>"*"</c> entry applies to every registry not listed
    /// and not on this machine (e.g. to send every external pull to a mirror, or to a closed port on a
    /// machine that must not reach the internet).
    /// </summary>
    public RegistryHostConfig For(string host)
    {
        if (Registries.TryGetValue(host, out var c))
        {
            return c;
        }

        var name = StripPort(host);
        var local = name == "localhost" || (IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip));
        return !local && Registries.TryGetValue("*", out var any) ? any : new RegistryHostConfig();
    }

    public bool IsInsecure(string host)
    {
        var config = For(host);
        if (config.Mirror is { } mirror && mirror != host)
        {
            // The mirror is what is spoken to: its own entry (never the wildcard) and its address decide.
            return IsInsecureHost(mirror, Registries.GetValueOrDefault(mirror));
        }

        return IsInsecureHost(host, config);
    }

    private bool IsInsecureHost(string host, RegistryHostConfig? config)
    {
        if (InsecureRegistries.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }
        if (config?.Insecure is { } explicitly)
        {
            return explicitly;
        }
        var name = StripPort(host);
        return name == "localhost" || (IPAddress.TryParse(name, out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>Adds the flags of one command to the file's settings.</summary>
    public RegistryOptions With(IEnumerable<string>? insecure, string? host = null, string? caFile = null, string? username = null, string? password = null)
    {
        var registries = new Dictionary<string, RegistryHostConfig>(Registries);
        if (host is not null && (caFile is not null || username is not null))
        {
            var current = For(host);
            registries[host] = current with
            {
                CaFile = caFile ?? current.CaFile,
                Username = username ?? current.Username,
                Password = password ?? current.Password,
            };
        }
        return this with { InsecureRegistries = [.. InsecureRegistries, .. insecure ?? []], Registries = registries };
    }

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']');
            return end > 0 ? host[1..end] : host;
        }
        var colon = host.LastIndexOf(':');
        return colon > 0 ? host[..colon] : host;
    }
}
