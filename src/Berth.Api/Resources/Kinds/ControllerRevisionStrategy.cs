using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// ControllerRevisions (apps/v1), the history that StatefulSets and DaemonSets keep: <c>data</c> is required and
/// immutable, <c>revision</c> not negative (ValidateControllerRevision). The Controller column names the owner
/// as <c>kind.group/name</c>, e.g. <c>statefulset.apps/web</c>.
/// </summary>
public sealed class ControllerRevisionStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> RevisionColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Controller", "Controller of the object"),
        Kinds.Columns.Text("Revision", "Revision indicates the revision of the state represented by Data."),
        Kinds.Columns.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => RevisionColumns;

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        if (obj["data"] is null)
        {
            causes.Add(StatusCause.Required("data", "data is mandatory"));
        }

        FieldRules.NonNegative(obj["revision"], "revision", causes);
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes) =>
        FieldRules.Immutable(obj["data"], old["data"], "data", causes);

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var controller = "<none>";
        var owner = Nodes.Objects(Json.Array(obj, "metadata", "ownerReferences")).Select(o => o.Item).FirstOrDefault(o => Json.Bool(o, "controller") == true);
        if (owner is not null)
        {
            var apiVersion = Nodes.Str(owner, "apiVersion");
            var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
            var group = slash < 0 ? "" : apiVersion[..slash];
            var kind = Nodes.Str(owner, "kind");
            var groupKind = group.Length == 0 ? kind : $"{kind}.{group}";
            controller = groupKind.Length == 0 ? Nodes.Str(owner, "name") : $"{groupKind.ToLowerInvariant()}/{Nodes.Str(owner, "name")}";
        }

        return [Json.String(obj, "metadata", "name"), controller, Nodes.Int(obj, "revision"), Age(obj, now)];
    }
}
