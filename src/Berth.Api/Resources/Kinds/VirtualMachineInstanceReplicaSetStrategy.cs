using System.Text.Json.Nodes;
using Berth.Api.KubeVirt;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// KubeVirt VirtualMachineInstanceReplicaSets (kubevirt.io/v1): N VMIs from a template, as a ReplicaSet keeps N pods.
/// Status and scale subresources; <c>spec.selector</c> required and matching the template's labels (KubeVirt's
/// replica set admitter); the template's spec checked as a VMI's; <c>paused</c> refused; the printer columns of
/// KubeVirt's CRD (Desired, Current, Ready, Age).
/// </summary>
public sealed class VirtualMachineInstanceReplicaSetStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> VmirsColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Integer("Desired", "Number of desired VirtualMachineInstances"),
        Kinds.Columns.Integer("Current", "Number of managed and not final or deleted VirtualMachineInstances"),
        Kinds.Columns.Integer("Ready", "Number of managed VirtualMachineInstances which are ready to receive traffic"),
        new("Age", "date", Kinds.Columns.Age.Description),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => VmirsColumns;

    public override void ApplyDefaults(JsonObject obj) => Workloads.DefaultInt(Json.EnsureObject(obj, "spec"), "replicas", 1);

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        if (FieldCheck.Object(obj["spec"], "spec", causes) is not { } spec)
        {
            causes.Add(StatusCause.Required("spec"));
            return;
        }

        FieldCheck.Only(spec, "spec", causes, ["replicas", "selector", "template", "paused"]);
        FieldRules.NonNegative(spec["replicas"], "spec.replicas", causes);
        if (FieldCheck.Bool(spec["paused"], "spec.paused", causes) == true)
        {
            causes.Add(FieldCheck.Unsupported("spec.paused", "scale to 0 instead"));
        }

        if (Workloads.ValidateSelector(spec, "spec", "VirtualMachineInstanceReplicaSet", causes))
        {
            Workloads.SelectorMatchesTemplate(spec, "spec", causes);
        }

        VirtualMachineStrategy.ValidateTemplate(spec, "spec", causes);
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var selector = Json.Walk(obj, "spec", "selector");
        FieldRules.Immutable(selector, Json.Walk(old, "spec", "selector"), "spec.selector", causes, GoValue.LabelSelector(selector));
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
    [
        Json.String(obj, "metadata", "name"),
        Nodes.Int(obj, "spec", "replicas"),
        Nodes.Int(obj, "status", "replicas"),
        Nodes.Int(obj, "status", "readyReplicas"),
        Age(obj, now),
    ];
}
