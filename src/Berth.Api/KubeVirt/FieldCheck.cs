using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;

namespace Berth.Api.KubeVirt;

/// <summary>
/// The building blocks of the KubeVirt whitelist: every object is checked against the fields Berth knows, and a
/// field it does not support is refused with a cause naming it (never ignored). Nulls count as absent, as they do
/// for KubeVirt's Go types.
/// </summary>
internal static class FieldCheck
{
    /// <summary>
    /// Refuses every field of <paramref name="obj"/> not in <paramref name="accepted"/>; <paramref name="hints"/>
    /// explains, for fields KubeVirt has and Berth refuses, what to do instead.
    /// </summary>
    public static void Only(JsonObject obj, string path, List<StatusCause> causes, IReadOnlyCollection<string> accepted,
        IReadOnlyDictionary<string, string>? hints = null)
    {
        foreach (var (key, value) in obj)
        {
            if (value is null || accepted.Contains(key))
            {
                continue;
            }

            causes.Add(Unsupported($"{path}.{key}", hints?.GetValueOrDefault(key)));
        }
    }

    public static StatusCause Unsupported(string field, string? hint = null) =>
        StatusCause.Forbidden(field, hint is null ? "not supported by Berth" : $"not supported by Berth: {hint}");

    /// <summary>The object at <paramref name="path"/>; a cause when present but not an object.</summary>
    public static JsonObject? Object(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (node is null or JsonObject)
        {
            return node as JsonObject;
        }

        causes.Add(TypeInvalid(path, node, "object"));
        return null;
    }

    public static JsonArray? Array(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (node is null or JsonArray)
        {
            return node as JsonArray;
        }

        causes.Add(TypeInvalid(path, node, "array"));
        return null;
    }

    public static string? String(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (node is null)
        {
            return null;
        }

        if (Json.StringOf(node) is { } s)
        {
            return s;
        }

        causes.Add(TypeInvalid(path, node, "string"));
        return null;
    }

    public static bool? Bool(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetValue<bool>();
        }

        causes.Add(TypeInvalid(path, node, "boolean"));
        return null;
    }

    /// <summary>An integer of at least <paramref name="min"/>.</summary>
    public static long? Integer(JsonNode? node, string path, List<StatusCause> causes, long min)
    {
        if (node is null)
        {
            return null;
        }

        if (Json.Long(node) is not { } l)
        {
            causes.Add(TypeInvalid(path, node, "integer"));
            return null;
        }

        if (l < min)
        {
            causes.Add(StatusCause.Invalid(path, l, $"must be greater than or equal to {min}"));
            return null;
        }

        return l;
    }

    /// <summary>A resource quantity (<c>128Mi</c>, <c>1Gi</c>, <c>500m</c>) greater than zero, as a decimal.</summary>
    public static decimal? PositiveQuantity(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (node is null)
        {
            return null;
        }

        if (Quantity.Parse(node) is not { } q)
        {
            causes.Add(StatusCause.Invalid(path, Quantity.Text(node), Quantity.FormatMessage));
            return null;
        }

        if (q <= 0)
        {
            causes.Add(StatusCause.Invalid(path, Quantity.Text(node), "must be greater than 0"));
            return null;
        }

        return q;
    }

    /// <summary>An enum value; a NotSupported cause listing <paramref name="supported"/> otherwise.</summary>
    public static string? OneOf(JsonNode? node, string path, List<StatusCause> causes, params string[] supported)
    {
        var s = String(node, path, causes);
        if (s is not null && !supported.Contains(s))
        {
            causes.Add(StatusCause.NotSupported(path, s, supported));
            return null;
        }

        return s;
    }

    /// <summary>An object that must be empty (<c>masquerade: {}</c>, <c>pod: {}</c>, <c>rng: {}</c>), or accept only <paramref name="accepted"/>.</summary>
    public static void EmptyObject(JsonNode? node, string path, List<StatusCause> causes, params string[] accepted)
    {
        if (Object(node, path, causes) is { } o)
        {
            Only(o, path, causes, accepted);
        }
    }

    public static StatusCause TypeInvalid(string path, JsonNode node, string type) =>
        new("FieldValueTypeInvalid", $"Invalid value: {GoValue.Json(node)}: must be of type {type}", path);

    /// <summary>A valid image reference (what the pod's container will carry): non-empty, no whitespace.</summary>
    public static string? Image(JsonNode? node, string path, List<StatusCause> causes)
    {
        var image = String(node, path, causes);
        if (node is null || image is null)
        {
            if (node is null)
            {
                causes.Add(StatusCause.Required(path));
            }

            return null;
        }

        if (image.Length == 0)
        {
            causes.Add(StatusCause.Required(path));
            return null;
        }

        if (image.Trim() != image || image.Any(char.IsWhiteSpace))
        {
            causes.Add(StatusCause.Invalid(path, image, "must not contain whitespace"));
            return null;
        }

        return image;
    }

    /// <summary>An absolute path inside an image (<c>/boot/vmlinuz</c>) without <c>..</c> steps.</summary>
    public static string? ImagePath(JsonNode? node, string path, List<StatusCause> causes)
    {
        var value = String(node, path, causes);
        if (value is null)
        {
            return null;
        }

        if (!value.StartsWith('/') || value.Split('/').Contains(".."))
        {
            causes.Add(StatusCause.Invalid(path, value, "must be an absolute path without '..'"));
            return null;
        }

        return value;
    }

    public static void DnsLabel(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (String(node, path, causes) is { } s)
        {
            foreach (var m in Validation.IsDns1123Label(s))
            {
                causes.Add(StatusCause.Invalid(path, s, m));
            }
        }
    }
}
