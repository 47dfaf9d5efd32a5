using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>ServiceAccounts (core/v1): names are DNS subdomains; SECRETS counts <c>secrets</c> (legacy token references).</summary>
public sealed class ServiceAccountStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> ServiceAccountColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
        Kinds.Columns.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => ServiceAccountColumns;

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        foreach (var (i, secret) in Nodes.Objects(obj["secrets"]))
        {
            if (Nodes.Str(secret, "name") is { Length: > 0 } name)
            {
                Validation.IsDns1123Subdomain(name).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"secrets[{i}].name", name, msg)));
            }
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Json.String(obj, "metadata", "name"), (long)(Json.Array(obj, "secrets")?.Count ?? 0), Age(obj, now)];
}
