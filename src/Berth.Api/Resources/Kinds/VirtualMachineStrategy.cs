using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// KubeVirt VirtualMachines (kubevirt.io/v1), minimal for now: a status subresource, <c>spec.template</c>
/// required, <c>running</c> and <c>runStrategy</c> mutually exclusive, and the printer columns of KubeVirt's
/// CRD (Age, Status from <c>status.printableStatus</c>, Ready).
/// </summary>
public sealed class VirtualMachineStrategy : ResourceStrategy
{
    private static readonly string[] RunStrategies = ["Always", "RerunOnFailure", "Manual", "Halted", "Once", "WaitAsReceiver"];

    private static readonly IReadOnlyList<TableColumn> VmColumns =
    [
        Kinds.Columns.Name,
        new("Age", "date", Kinds.Columns.Age.Description),
        Kinds.Columns.Text("Status", "Human Readable Status"),
        Kinds.Columns.Text("Ready", "Status of the Ready condition."),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => VmColumns;

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec");
        if (Json.Object(spec, "template") is null)
        {
            causes.Add(StatusCause.Required("spec.template"));
        }

        if (Nodes.Has(spec, "running") && Nodes.Has(spec, "runStrategy"))
        {
            causes.Add(StatusCause.Invalid("spec.running", Json.Bool(spec, "running"), "running and runStrategy are mutually exclusive"));
        }

        if (Json.String(spec, "runStrategy") is { } strategy)
        {
            FieldRules.OneOf(strategy, "spec.runStrategy", RunStrategies, causes);
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
    [
        Json.String(obj, "metadata", "name"),
        Age(obj, now),
        Json.String(obj, "status", "printableStatus"),
        Json.String(Nodes.Condition(Json.Array(obj, "status", "conditions"), "Ready"), "status"),
    ];
}
