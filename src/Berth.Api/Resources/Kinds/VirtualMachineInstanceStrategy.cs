using System.Text.Json.Nodes;
using Berth.Api.KubeVirt;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// KubeVirt VirtualMachineInstances (kubevirt.io/v1): a status subresource, KubeVirt's defaults for what Berth uses
/// (<see cref="VmiDefaults"/>), the spec Berth runs checked as a whitelist (<see cref="VmiSpecValidation"/>: every
/// unsupported field is refused with a 422 naming it), a spec that cannot change once created (KubeVirt's update
/// admitter: "update of VMI object is restricted"), names that are DNS labels (a VMI's name is its guest's
/// hostname), and the printer columns of KubeVirt's CRD (Age, Phase, IP, NodeName, Ready; wide Live-Migratable,
/// Paused). As for any custom resource, missing values print as <c>&lt;none&gt;</c> (null cells) and the Age column
/// has type <c>date</c>.
/// </summary>
public sealed class VirtualMachineInstanceStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> VmiColumns =
    [
        Kinds.Columns.Name,
        new("Age", "date", Kinds.Columns.Age.Description),
        Kinds.Columns.Text("Phase", "Phase is the status of the VirtualMachineInstance in kubernetes world."),
        Kinds.Columns.Text("IP", "IP address of the first interface of the VirtualMachineInstance."),
        Kinds.Columns.Text("NodeName", "NodeName is the name where the VirtualMachineInstance is currently running."),
        Kinds.Columns.Text("Ready", "Status of the Ready condition."),
        Kinds.Columns.Text("Live-Migratable", "Status of the LiveMigratable condition.", 1),
        Kinds.Columns.Text("Paused", "Status of the Paused condition.", 1),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => VmiColumns;

    protected override NameRule NameRule => NameRule.Label;

    public override void ApplyDefaults(JsonObject obj)
    {
        if (Json.Object(obj, "spec") is { } spec)
        {
            VmiDefaults.Apply(spec);
        }
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes) =>
        VmiSpecValidation.Validate(obj["spec"], "spec", causes);

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        if (!JsonNode.DeepEquals(obj["spec"], old["spec"]))
        {
            causes.Add(StatusCause.Forbidden("spec", "update of VMI object is restricted"));
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var status = Json.Object(obj, "status");
        var conditions = status?["conditions"];
        return
        [
            Json.String(obj, "metadata", "name"),
            Age(obj, now),
            Json.String(status, "phase"),
            Json.String(Json.Array(status, "interfaces")?.FirstOrDefault(), "ipAddress"),
            Json.String(status, "nodeName"),
            Json.String(Nodes.Condition(conditions, "Ready"), "status"),
            Json.String(Nodes.Condition(conditions, "LiveMigratable"), "status"),
            Json.String(Nodes.Condition(conditions, "Paused"), "status"),
        ];
    }
}
