using System.Globalization;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// ReplicaSets (apps/v1), after pkg/registry/apps/replicaset/strategy.go and ValidateReplicaSetSpec: replicas
/// default 1, the selector is required, non-empty, selects the template and may not change. Field selector
/// <c>status.replicas</c> (used by the deployment controller's orphan checks).
/// </summary>
public sealed class ReplicaSetStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> ReplicaSetColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Integer("Desired", "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1."),
        Kinds.Columns.Integer("Current", "Replicas is the most recently observed number of non-terminating pods."),
        Kinds.Columns.Integer("Ready", "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
        Kinds.Columns.Age,
        Kinds.Columns.Containers,
        Kinds.Columns.Images,
        Kinds.Columns.Selector("Selector is a label query over pods that should match the replica count."),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => ReplicaSetColumns;

    public override void ApplyDefaults(JsonObject obj)
    {
        Workloads.DefaultInt(Json.EnsureObject(obj, "spec"), "replicas", 1);
        Workloads.DefaultTemplate(obj);
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        FieldRules.NonNegative(spec["replicas"], "spec.replicas", causes);
        FieldRules.NonNegative(spec["minReadySeconds"], "spec.minReadySeconds", causes);

        // Kubernetes' ValidateReplicaSetSpec says "deployment" here too.
        if (Workloads.ValidateSelector(spec, "spec", "deployment", causes))
        {
            Workloads.SelectorMatchesTemplate(spec, "spec", causes);
        }
        else
        {
            causes.Add(StatusCause.Invalid("spec.selector", GoValue.LabelSelector(spec["selector"]), "invalid label selector"));
        }

        Workloads.ValidateLongRunningTemplate(spec, "spec", "ReplicaSet", causes);
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var selector = Json.Walk(obj, "spec", "selector");
        FieldRules.Immutable(selector, Json.Walk(old, "spec", "selector"), "spec.selector", causes, GoValue.LabelSelector(selector));
    }

    protected override void ValidateStatus(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var status = Json.Object(obj, "status");
        Workloads.ValidateReplicaCounts(status, ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"],
            ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"], causes);
        if (Nodes.Int(status, "availableReplicas") is var available && available > Nodes.Int(status, "readyReplicas"))
        {
            causes.Add(StatusCause.Invalid("status.availableReplicas", available, "cannot be greater than readyReplicas"));
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
    [
        Json.String(obj, "metadata", "name"),
        Nodes.Int(obj, "spec", "replicas"),
        Nodes.Int(obj, "status", "replicas"),
        Nodes.Int(obj, "status", "readyReplicas"),
        Age(obj, now),
        .. Workloads.WideCells(obj, withSelector: true),
    ];

    public override bool TryGetField(FieldSource obj, string field, out string? value)
    {
        if (field == "status.replicas")
        {
            value = obj.Int("status", "replicas").ToString(CultureInfo.InvariantCulture);
            return true;
        }

        return base.TryGetField(obj, field, out value);
    }
}
