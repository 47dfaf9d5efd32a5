using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Resource quantities (<c>100m</c>, <c>1Gi</c>, <c>1e3</c>) parsed to decimals for comparison, after
/// k8s.io/apimachinery/pkg/api/resource. Only what validation and QoS need: parse, compare, zero.
/// </summary>
internal static partial class Quantity
{
    /// <summary>The message Kubernetes gives for a quantity it cannot parse.</summary>
    public const string FormatMessage = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

    [GeneratedRegex("^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")]
    private static partial Regex QuantityRegex();

    /// <summary>Parses a quantity given as a JSON string or number; null when it is not a valid quantity.</summary>
    public static decimal? Parse(JsonNode? node)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            return decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
        }

        return Json.StringOf(node) is { } s ? Parse(s) : null;
    }

    public static decimal? Parse(string text)
    {
        var m = QuantityRegex().Match(text.Trim());
        if (!m.Success || !decimal.TryParse(m.Groups[1].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        var suffix = m.Groups[2].Value;
        decimal? multiplier = suffix switch
        {
            "" => 1m,
            "n" => 0.000000001m,
            "u" => 0.000001m,
            "m" => 0.001m,
            "k" => 1e3m,
            "M" => 1e6m,
            "G" => 1e9m,
            "T" => 1e12m,
            "P" => 1e15m,
            "E" => 1e18m,
            "Ki" => 1024m,
            "Mi" => 1024m * 1024,
            "Gi" => 1024m * 1024 * 1024,
            "Ti" => 1024m * 1024 * 1024 * 1024,
            "Pi" => 1024m * 1024 * 1024 * 1024 * 1024,
            "Ei" => 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
            _ => Exponent(suffix),
        };

        if (multiplier is null)
        {
            return null;
        }

        try
        {
            return number * multiplier.Value;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>The quantity as the client wrote it (Kubernetes would canonicalise it; the written form is kept).</summary>
    public static string Text(JsonNode? node) => Json.StringOf(node) ?? node?.ToJsonString() ?? "";

    private static decimal? Exponent(string suffix)
    {
        if (suffix.Length < 2 || (suffix[0] != 'e' && suffix[0] != 'E') ||
            !int.TryParse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exp) || exp is < -18 or > 18)
        {
            return null;
        }

        var result = 1m;
        for (var i = 0; i < Math.Abs(exp); i++)
        {
            result = exp > 0 ? result * 10 : result / 10;
        }

        return result;
    }
}
