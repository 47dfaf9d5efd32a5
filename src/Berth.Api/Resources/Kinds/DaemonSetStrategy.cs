using System.Globalization;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// DaemonSets (apps/v1), after pkg/registry/apps/daemonset/strategy.go, SetDefaults_DaemonSet and
/// ValidateDaemonSetSpec: RollingUpdate with maxUnavailable 1 and maxSurge 0, revisionHistoryLimit 10; the
/// selector selects the template and may not change. The internal <c>templateGeneration</c> lives, as in
/// apps/v1, in the annotation <c>deprecated.daemonset.template.generation</c>: 1 on create, +1 whenever the
/// template changes.
/// </summary>
public sealed class DaemonSetStrategy : ResourceStrategy
{
    public const string TemplateGenerationAnnotation = "deprecated.daemonset.template.generation";

    private static readonly IReadOnlyList<TableColumn> DaemonSetColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Integer("Desired", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
        Kinds.Columns.Integer("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
        Kinds.Columns.Integer("Ready", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
        Kinds.Columns.Integer("Up-to-date", "The total number of nodes that are running updated daemon pod"),
        Kinds.Columns.Integer("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
        Kinds.Columns.Text("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
        Kinds.Columns.Age,
        Kinds.Columns.Containers,
        Kinds.Columns.Images,
        Kinds.Columns.Selector("A label query over pods that are managed by the daemon set. Must match in order to be controlled."),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => DaemonSetColumns;

    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        Nodes.Ensure(obj, "metadata", "annotations")[TemplateGenerationAnnotation] = "1";
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        base.PrepareForUpdate(obj, old);
        var before = long.TryParse(Json.String(old, "metadata", "annotations", TemplateGenerationAnnotation), NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : 0;
        var changed = !JsonNode.DeepEquals(Json.Walk(obj, "spec", "template"), Json.Walk(old, "spec", "template"));
        Nodes.Ensure(obj, "metadata", "annotations")[TemplateGenerationAnnotation] = (changed ? before + 1 : before).ToString(CultureInfo.InvariantCulture);
    }

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = Json.EnsureObject(obj, "spec");
        var strategy = Json.EnsureObject(spec, "updateStrategy");
        if (Nodes.Str(strategy, "type").Length == 0)
        {
            strategy["type"] = "RollingUpdate";
        }

        if (Json.String(strategy, "type") == "RollingUpdate")
        {
            var rolling = Json.EnsureObject(strategy, "rollingUpdate");
            Nodes.Default(rolling, "maxUnavailable", 1);
            Nodes.Default(rolling, "maxSurge", 0);
        }

        Workloads.DefaultInt(spec, "revisionHistoryLimit", 10);
        Workloads.DefaultTemplate(obj);
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        if (Workloads.ValidateSelector(spec, "spec", "daemonset", causes, required: false))
        {
            Workloads.SelectorMatchesTemplate(spec, "spec", causes);
        }

        Workloads.ValidateLongRunningTemplate(spec, "spec", "DaemonSet", causes);
        FieldRules.NonNegative(spec["minReadySeconds"], "spec.minReadySeconds", causes);
        FieldRules.NonNegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit", causes);

        var strategy = Json.Object(spec, "updateStrategy");
        switch (Nodes.Str(strategy, "type"))
        {
            case "OnDelete":
                break;
            case "RollingUpdate":
                if (Json.Object(strategy, "rollingUpdate") is not { } rolling)
                {
                    causes.Add(StatusCause.Required("spec.updateStrategy.rollingUpdate"));
                    break;
                }

                var unavailable = Workloads.IntOrPercent(rolling["maxUnavailable"], "spec.updateStrategy.rollingUpdate.maxUnavailable", causes);
                var surge = Workloads.IntOrPercent(rolling["maxSurge"], "spec.updateStrategy.rollingUpdate.maxSurge", causes);
                if (unavailable != 0 && surge != 0)
                {
                    causes.Add(StatusCause.Invalid("spec.updateStrategy.rollingUpdate.maxSurge", GoValue.IntOrString(rolling["maxSurge"]), "may not be set when maxUnavailable is non-zero"));
                }
                else if (unavailable == 0 && surge == 0)
                {
                    causes.Add(StatusCause.Required("spec.updateStrategy.rollingUpdate.maxUnavailable", "cannot be 0 when maxSurge is 0"));
                }

                break;
            default:
                causes.Add(StatusCause.NotSupported("spec.updateStrategy", GoValue.Json(strategy), ["RollingUpdate", "OnDelete"]));
                break;
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var selector = Json.Walk(obj, "spec", "selector");
        FieldRules.Immutable(selector, Json.Walk(old, "spec", "selector"), "spec.selector", causes, GoValue.LabelSelector(selector));
    }

    protected override void ValidateStatus(JsonObject obj, JsonObject old, List<StatusCause> causes) =>
        Workloads.ValidateReplicaCounts(Json.Object(obj, "status"),
            ["currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady", "observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable", "collisionCount"],
            [], causes);

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var status = Json.Object(obj, "status");
        return
        [
            Json.String(obj, "metadata", "name"),
            Nodes.Int(status, "desiredNumberScheduled"),
            Nodes.Int(status, "currentNumberScheduled"),
            Nodes.Int(status, "numberReady"),
            Nodes.Int(status, "updatedNumberScheduled"),
            Nodes.Int(status, "numberAvailable"),
            LabelSelectors.FormatLabels(Json.Walk(obj, "spec", "template", "spec", "nodeSelector")),
            Age(obj, now),
            .. Workloads.WideCells(obj, withSelector: true),
        ];
    }
}
