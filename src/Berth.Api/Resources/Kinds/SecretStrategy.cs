using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Secrets (core/v1), after SetDefaults_Secret and ValidateSecret/ValidateSecretUpdate: type defaults to
/// Opaque; <c>stringData</c> is merged into <c>data</c> (base64) and dropped, as the v1 conversion does;
/// data keys are config keys, values valid base64, 1 MiB in total; the well-known types require their keys
/// (<c>tls.crt</c>/<c>tls.key</c>, <c>.dockerconfigjson</c>...). The type never changes, and an immutable
/// secret keeps its data. Field selector <c>type</c>.
/// </summary>
public sealed class SecretStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> SecretColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Type", "Used to facilitate programmatic handling of secret data."),
        Kinds.Columns.Text("Data", "Data contains the secret data."),
        Kinds.Columns.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => SecretColumns;

    public override void ApplyDefaults(JsonObject obj)
    {
        if (Nodes.Str(obj, "type").Length == 0)
        {
            obj["type"] = "Opaque";
        }

        if (obj["stringData"] is JsonObject stringData)
        {
            var data = Json.EnsureObject(obj, "data");
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(Json.StringOf(value) ?? ""));
            }

            obj.Remove("stringData");
        }
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var data = Json.Object(obj, "data") ?? [];
        long total = 0;
        foreach (var (key, value) in data)
        {
            FieldRules.ConfigKey(key).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"data[{key}]", key, msg)));
            var text = Json.StringOf(value) ?? "";
            var buffer = new byte[text.Length];
            if (!Convert.TryFromBase64String(text, buffer, out var length))
            {
                causes.Add(StatusCause.Invalid($"data[{key}]", "<secret contents redacted>", "illegal base64 data"));
            }

            total += length;
        }

        if (total > ConfigMapStrategy.MaxSize)
        {
            causes.Add(StatusCause.TooLong("data", ConfigMapStrategy.MaxSize));
        }

        switch (Nodes.Str(obj, "type"))
        {
            case "kubernetes.io/service-account-token":
                if (Nodes.Str(obj, "metadata", "annotations", "kubernetes.io/service-account.name").Length == 0)
                {
                    causes.Add(StatusCause.Required("metadata.annotations[kubernetes.io/service-account.name]"));
                }

                break;
            case "kubernetes.io/dockercfg":
                RequireKey(data, ".dockercfg", causes);
                break;
            case "kubernetes.io/dockerconfigjson":
                RequireKey(data, ".dockerconfigjson", causes);
                break;
            case "kubernetes.io/basic-auth":
                if (!data.ContainsKey("username") && !data.ContainsKey("password"))
                {
                    causes.Add(StatusCause.Required("data[username]"));
                    causes.Add(StatusCause.Required("data[password]"));
                }

                break;
            case "kubernetes.io/ssh-auth":
                RequireKey(data, "ssh-privatekey", causes);
                break;
            case "kubernetes.io/tls":
                RequireKey(data, "tls.crt", causes);
                RequireKey(data, "tls.key", causes);
                break;
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        FieldRules.Immutable(obj["type"], old["type"], "type", causes);
        ConfigMapStrategy.ImmutableWhenSet(obj, old, ["data"], causes);
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Json.String(obj, "metadata", "name"), Nodes.Str(obj, "type"), (long)(Json.Object(obj, "data")?.Count ?? 0), Age(obj, now)];

    public override bool TryGetField(FieldSource obj, string field, out string? value)
    {
        if (field == "type")
        {
            value = obj.Str("type");
            return true;
        }

        return base.TryGetField(obj, field, out value);
    }

    private static void RequireKey(JsonObject data, string key, List<StatusCause> causes)
    {
        if (!data.ContainsKey(key))
        {
            causes.Add(StatusCause.Required($"data[{key}]"));
        }
    }
}
