using System.Text.Json.Nodes;
using Berth.Api.Patch;

namespace Berth.Api.Selectors;

/// <summary>
/// The text of apimachinery's <c>field.Error</c> (<c>values[0][app]: Invalid value: "-x": ...</c>) and of an
/// aggregate of them (<c>[a, b]</c>, duplicates dropped), for messages that must read as Kubernetes' do.
/// </summary>
internal static class FieldErrors
{
    public static string Invalid(string path, string value, string detail) =>
        $"{path}: Invalid value: {JsonValues.GoQuote(value)}: {detail}";

    /// <summary>
    /// An invalid list of values, rendered as Go's json.Marshal of a []string; an empty list prints as <c>null</c>
    /// because apimachinery copies values into a nil slice (<c>append([]string(nil), values...)</c>).
    /// </summary>
    public static string Invalid(string path, IReadOnlyList<string> values, string detail) =>
        $"{path}: Invalid value: {(values.Count == 0 ? "null" : new JsonArray([.. values.Select(v => (JsonNode?)v)]).ToJsonString())}: {detail}";

    public static string Aggregate(IEnumerable<string> errors)
    {
        var distinct = errors.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }
}
