using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// ConfigMaps (core/v1), after ValidateConfigMap/ValidateConfigMapUpdate: keys of <c>data</c> and
/// <c>binaryData</c> are config keys, unique across both, at most 1 MiB in total; an <c>immutable: true</c>
/// ConfigMap keeps its data and its immutability forever. DATA counts data plus binaryData keys.
/// </summary>
public sealed class ConfigMapStrategy : ResourceStrategy
{
    /// <summary><c>core.MaxSecretSize</c>, the limit for ConfigMaps and Secrets.</summary>
    public const int MaxSize = 1024 * 1024;

    private static readonly IReadOnlyList<TableColumn> ConfigMapColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Data", "Data contains the configuration data."),
        Kinds.Columns.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => ConfigMapColumns;

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        long total = 0;
        var binary = Json.Object(obj, "binaryData");
        foreach (var (key, value) in Json.Object(obj, "data") ?? [])
        {
            FieldRules.ConfigKey(key).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"data[{key}]", key, msg)));
            if (binary?.ContainsKey(key) == true)
            {
                causes.Add(StatusCause.Invalid($"data[{key}]", key, "duplicate of key present in binaryData"));
            }

            total += Encoding.UTF8.GetByteCount(Json.StringOf(value) ?? "");
        }

        foreach (var (key, value) in binary ?? [])
        {
            FieldRules.ConfigKey(key).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"binaryData[{key}]", key, msg)));
            total += (Json.StringOf(value)?.Length ?? 0) * 3 / 4;
        }

        if (total > MaxSize)
        {
            causes.Add(StatusCause.TooLong("", MaxSize));
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes) =>
        ImmutableWhenSet(obj, old, ["data", "binaryData"], causes);

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
    [
        Json.String(obj, "metadata", "name"),
        (long)((Json.Object(obj, "data")?.Count ?? 0) + (Json.Object(obj, "binaryData")?.Count ?? 0)),
        Age(obj, now),
    ];

    /// <summary>Once <c>immutable: true</c>, it stays and the listed fields may not change (ConfigMaps and Secrets).</summary>
    internal static void ImmutableWhenSet(JsonObject obj, JsonObject old, string[] fields, List<StatusCause> causes)
    {
        if (Json.Bool(old, "immutable") != true)
        {
            return;
        }

        if (Json.Bool(obj, "immutable") != true)
        {
            causes.Add(StatusCause.Forbidden("immutable", "field is immutable when `immutable` is set"));
        }

        foreach (var field in fields)
        {
            if (!JsonNode.DeepEquals(obj[field], old[field]))
            {
                causes.Add(StatusCause.Forbidden(field, "field is immutable when `immutable` is set"));
            }
        }
    }
}
