using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using k8s;
using k8s.Models;

namespace Berth.Api.Resources;

/// <summary>
/// The type check kube-apiserver gets from decoding a body into its Go structs: a field of the wrong JSON
/// type (a boolean in <c>exec.command</c>, a string where a list goes) is a 400 BadRequest ("Pod in version
/// \"v1\" cannot be handled as a Pod: ...") before anything is stored, so that no controller or agent
/// ever reads an object it cannot decode. The shape is the KubernetesClient model of the kind (found by
/// its <see cref="KubernetesEntityAttribute"/>), decoded with the client's own converters; unknown fields
/// are ignored (as Kubernetes does without strict field validation). Kinds without a model (kubevirt.io)
/// are not checked here.
/// </summary>
public static class TypedShape
{
    private static readonly FrozenDictionary<(string Group, string Version, string Kind), Type> Models = typeof(V1Pod).Assembly.GetTypes()
        .Select(t => (Type: t, Entity: t.GetCustomAttribute<KubernetesEntityAttribute>()))
        .Where(x => x.Entity is not null && x.Type.IsClass && !x.Type.IsAbstract && !x.Type.Name.EndsWith("List", StringComparison.Ordinal))
        .GroupBy(x => (x.Entity!.Group ?? "", x.Entity.ApiVersion ?? "", x.Entity.Kind ?? ""))
        .ToFrozenDictionary(g => g.Key, g => g.First().Type);

    /// <summary>The model <paramref name="type"/>'s objects decode into, or null when the client has none.</summary>
    public static Type? ModelOf(ResourceType type) => Models.GetValueOrDefault((type.Group, type.Version, type.Kind));

    /// <summary>Throws a 400 BadRequest when <paramref name="obj"/> does not decode as its kind.</summary>
    public static void Check(ResourceType type, JsonObject obj)
    {
        if (ModelOf(type) is { } model)
        {
            Decode(type, obj, model);
        }
    }

    /// <summary>
    /// Throws a 400 BadRequest when <paramref name="obj"/>'s <c>status</c> does not decode as its kind's status:
    /// the check of a <c>/status</c> write, which changes nothing else (so an object stored before this check
    /// with an undecodable spec can still have its status written).
    /// </summary>
    public static void CheckStatus(ResourceType type, JsonObject obj)
    {
        if (obj["status"] is JsonObject status && ModelOf(type)?.GetProperty("Status")?.PropertyType is { } model)
        {
            Decode(type, status, model);
        }
    }

    private static void Decode(ResourceType type, JsonNode node, Type model)
    {
        try
        {
            node.Deserialize(model, Options.Value);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            throw ApiException.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {Describe(e)}");
        }
    }

    /// <summary>The options every part of Berth decodes with (<see cref="KubernetesJson"/>'s, which it hands out only to a configure callback).</summary>
    private static readonly Lazy<JsonSerializerOptions> Options = new(() =>
    {
        JsonSerializerOptions? options = null;
        KubernetesJson.AddJsonOptions(o => options = o);
        return options ?? throw new InvalidOperationException("KubernetesJson.AddJsonOptions did not hand out its options");
    });

    private static string Describe(Exception e) => e is JsonException { Path: { } path } j
        ? $"{FirstLine(j.Message)} (at {path})"
        : FirstLine(e.Message);

    private static string FirstLine(string s)
    {
        var cut = s.IndexOfAny(['\r', '\n']);
        return cut < 0 ? s : s[..cut];
    }
}
