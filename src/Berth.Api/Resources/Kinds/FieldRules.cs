using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Field validators shared by the kinds, with the messages of k8s.io/apimachinery/pkg/util/validation and
/// pkg/apis/core/validation (port numbers and names, config keys, IPs, enums, immutability...).
/// </summary>
internal static partial class FieldRules
{
    public const string NegativeMessage = "must be greater than or equal to 0";
    public const string ConfigKeyMessage =
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
    public const string EnvVarNameMessage = "a valid environment variable name must consist only of printable ASCII characters other than '='";
    public const string IpMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
    public const string FileModeMessage = "must be a number between 0 and 0777 (octal), both inclusive";

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKeyRegex();

    [GeneratedRegex("^[-a-z0-9]+$")]
    private static partial Regex PortNameCharsRegex();

    [GeneratedRegex("[a-z]")]
    private static partial Regex OneLetterRegex();

    /// <summary><c>validation.InclusiveRangeError</c>.</summary>
    public static string InclusiveRange(long lo, long hi) => $"must be between {lo} and {hi}, inclusive";

    /// <summary><c>ValidateNonnegativeField</c> for an integer field that may be absent.</summary>
    public static void NonNegative(JsonNode? value, string path, List<StatusCause> causes)
    {
        if (Json.Long(value) is < 0 and var v)
        {
            causes.Add(StatusCause.Invalid(path, v, NegativeMessage));
        }
    }

    public static IEnumerable<string> PortNumber(long port)
    {
        if (port is < 1 or > 65535)
        {
            yield return InclusiveRange(1, 65535);
        }
    }

    /// <summary><c>validation.IsValidPortName</c> (IANA service names).</summary>
    public static IEnumerable<string> PortName(string name)
    {
        if (name.Length > 15)
        {
            yield return "must be no more than 15 characters";
        }

        if (!PortNameCharsRegex().IsMatch(name))
        {
            yield return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
        }

        if (!OneLetterRegex().IsMatch(name))
        {
            yield return "must contain at least one letter (a-z)";
        }

        if (name.Contains("--", StringComparison.Ordinal))
        {
            yield return "must not contain consecutive hyphens";
        }

        if (name.Length > 0 && (name[0] == '-' || name[^1] == '-'))
        {
            yield return "must not begin or end with a hyphen";
        }
    }

    /// <summary><c>ValidatePortNumOrName</c> for an IntOrString port (probes, service targetPort).</summary>
    public static void PortNumOrName(JsonNode? port, string path, List<StatusCause> causes)
    {
        var (i, s) = Nodes.IntOrString(port);
        if (i is { } n)
        {
            foreach (var msg in PortNumber(n))
            {
                causes.Add(StatusCause.Invalid(path, n, msg));
            }
        }
        else if (s is not null)
        {
            foreach (var msg in PortName(s))
            {
                causes.Add(StatusCause.Invalid(path, s, msg));
            }
        }
        else
        {
            foreach (var msg in PortNumber(0))
            {
                causes.Add(StatusCause.Invalid(path, 0L, msg));
            }
        }
    }

    /// <summary><c>validation.IsConfigMapKey</c> (ConfigMap/Secret data keys, key selectors).</summary>
    public static IEnumerable<string> ConfigKey(string key)
    {
        if (key.Length > Validation.Dns1123SubdomainMaxLength)
        {
            yield return $"must be no more than {Validation.Dns1123SubdomainMaxLength} characters";
        }

        if (!ConfigKeyRegex().IsMatch(key))
        {
            yield return ConfigKeyMessage;
        }

        foreach (var msg in ChDirPrefix(key))
        {
            yield return msg;
        }
    }

    /// <summary>
    /// <c>validation.IsRelaxedEnvVarName</c>: RelaxedEnvironmentVariableValidation is on by default since
    /// Kubernetes 1.32, so any printable ASCII but '=' is accepted.
    /// </summary>
    public static IEnumerable<string> EnvVarName(string name)
    {
        if (name.Any(c => c is < ' ' or > '~' or '='))
        {
            yield return EnvVarNameMessage;
        }
    }

    public static bool IsIp(string value) => IPAddress.TryParse(value, out _) && !value.Contains('%', StringComparison.Ordinal);

    /// <summary><c>validation.IsValidIP</c>: adds a cause when <paramref name="value"/> is not an IP address.</summary>
    public static void Ip(string value, string path, List<StatusCause> causes)
    {
        if (!IsIp(value))
        {
            causes.Add(StatusCause.Invalid(path, value, IpMessage));
        }
    }

    /// <summary>
    /// An enum field: Required when empty, NotSupported (listing <paramref name="supported"/> in the order
    /// Kubernetes lists them) when unknown.
    /// </summary>
    public static void OneOf(string? value, string path, IReadOnlyList<string> supported, List<StatusCause> causes, bool required = true)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                causes.Add(StatusCause.Required(path));
            }
        }
        else if (!supported.Contains(value))
        {
            causes.Add(StatusCause.NotSupported(path, value, supported));
        }
    }

    /// <summary>
    /// <c>ValidateImmutableField</c>: <c>field is immutable</c> when the JSON differs; <paramref name="shown"/> is
    /// the value printed in the message (the new value by default).
    /// </summary>
    public static void Immutable(JsonNode? now, JsonNode? before, string path, List<StatusCause> causes, object? shown = null)
    {
        if (!JsonNode.DeepEquals(now, before))
        {
            causes.Add(StatusCause.Invalid(path, shown ?? Shown(now), Validation.FieldImmutable));
        }
    }

    /// <summary>How a JSON value appears after <c>Invalid value:</c>: strings quoted, numbers and bools bare, structs as JSON.</summary>
    public static object? Shown(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when Json.StringOf(v) is { } s => s,
        JsonValue v when Json.Long(v) is { } l => l,
        JsonValue v when Json.Bool(v) is { } b => b,
        _ => GoValue.Json(node),
    };

    public const string CidrMessage = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

    /// <summary><c>validation.IsValidCIDR</c>: an address and a prefix length that fits its family.</summary>
    public static bool IsCidr(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && IsIp(value[..slash]) && int.TryParse(value.AsSpan(slash + 1), out var bits) && bits >= 0 &&
               bits <= (value.Contains(':', StringComparison.Ordinal) ? 128 : 32);
    }

    /// <summary><c>validateLocalDescendingPath</c>: relative, without <c>..</c> steps.</summary>
    public static void LocalDescendingPath(string value, string path, List<StatusCause> causes)
    {
        if (value.StartsWith('/'))
        {
            causes.Add(StatusCause.Invalid(path, value, "must be a relative path"));
        }

        NoBacksteps(value, path, causes);
    }

    public static void NoBacksteps(string value, string path, List<StatusCause> causes)
    {
        if (value.Split('/').Contains(".."))
        {
            causes.Add(StatusCause.Invalid(path, value, "must not contain '..'"));
        }
    }

    /// <summary>A file mode (<c>defaultMode</c>, <c>mode</c>) between 0 and 0777.</summary>
    public static void FileMode(JsonNode? mode, string path, List<StatusCause> causes)
    {
        if (Json.Long(mode) is { } m && m is < 0 or > 511)
        {
            causes.Add(StatusCause.Invalid(path, m, FileModeMessage));
        }
    }

    private static IEnumerable<string> ChDirPrefix(string value)
    {
        if (value == ".")
        {
            yield return "must not be '.'";
        }
        else if (value == "..")
        {
            yield return "must not be '..'";
        }
        else if (value.StartsWith("..", StringComparison.Ordinal))
        {
            yield return "must not start with '..'";
        }
    }
}
