using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Deployments (apps/v1), after pkg/registry/apps/deployment/strategy.go, SetDefaults_Deployment and
/// ValidateDeploymentSpec: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds
/// 600; the selector is required, non-empty, must select the template's labels, and may not change.
/// <c>metadata.generation</c> counts spec and annotation changes (annotations are copied to ReplicaSets),
/// which <c>kubectl rollout status</c> compares with <c>status.observedGeneration</c>.
/// </summary>
public sealed class DeploymentStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> DeploymentColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Ready", "Number of the pod with ready state"),
        Kinds.Columns.Text("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
        Kinds.Columns.Text("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
        Kinds.Columns.Age,
        Kinds.Columns.Containers,
        Kinds.Columns.Images,
        Kinds.Columns.Selector("Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => DeploymentColumns;

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = Json.EnsureObject(obj, "spec");
        Workloads.DefaultInt(spec, "replicas", 1);
        var strategy = Json.EnsureObject(spec, "strategy");
        if (Nodes.Str(strategy, "type").Length == 0)
        {
            strategy["type"] = "RollingUpdate";
        }

        if (Json.String(strategy, "type") == "RollingUpdate")
        {
            var rolling = Json.EnsureObject(strategy, "rollingUpdate");
            Nodes.Default(rolling, "maxUnavailable", "25%");
            Nodes.Default(rolling, "maxSurge", "25%");
        }

        Workloads.DefaultInt(spec, "revisionHistoryLimit", 10);
        Workloads.DefaultInt(spec, "progressDeadlineSeconds", 600);
        Workloads.DefaultTemplate(obj);
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        FieldRules.NonNegative(spec["replicas"], "spec.replicas", causes);
        if (Workloads.ValidateSelector(spec, "spec", "deployment", causes))
        {
            Workloads.SelectorMatchesTemplate(spec, "spec", causes);
        }
        else
        {
            causes.Add(StatusCause.Invalid("spec.selector", GoValue.LabelSelector(spec["selector"]), "invalid label selector"));
        }

        Workloads.ValidateLongRunningTemplate(spec, "spec", "ReplicaSet", causes);
        ValidateStrategy(Json.Object(spec, "strategy"), causes);
        FieldRules.NonNegative(spec["minReadySeconds"], "spec.minReadySeconds", causes);
        FieldRules.NonNegative(spec["revisionHistoryLimit"], "spec.revisionHistoryLimit", causes);
        if (Json.Long(spec, "progressDeadlineSeconds") is { } deadline)
        {
            FieldRules.NonNegative(deadline, "spec.progressDeadlineSeconds", causes);
            if (deadline <= Nodes.Int(spec, "minReadySeconds"))
            {
                causes.Add(StatusCause.Invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
            }
        }
    }

    /// <summary>apps/v1 forbids changing the selector (the strategy adds this to ValidateDeploymentUpdate).</summary>
    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var selector = Json.Walk(obj, "spec", "selector");
        FieldRules.Immutable(selector, Json.Walk(old, "spec", "selector"), "spec.selector", causes, GoValue.LabelSelector(selector));
    }

    protected override void ValidateStatus(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var status = Json.Object(obj, "status");
        Workloads.ValidateReplicaCounts(status, ["observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas", "collisionCount"],
            ["updatedReplicas", "readyReplicas", "availableReplicas"], causes);
        if (Nodes.Int(status, "availableReplicas") is var available && available > Nodes.Int(status, "readyReplicas"))
        {
            causes.Add(StatusCause.Invalid("status.availableReplicas", available, "cannot be greater than readyReplicas"));
        }

        if (Json.Long(status, "collisionCount") is var now && Json.Long(old, "status", "collisionCount") is { } before && (now ?? 0) < before)
        {
            causes.Add(StatusCause.Invalid("status.collisionCount", now ?? 0, "cannot be decremented"));
        }
    }

    /// <summary>Kubernetes bumps a Deployment's generation for spec and for annotation changes.</summary>
    public override bool SpecChanged(JsonObject obj, JsonObject old) =>
        base.SpecChanged(obj, old) || !JsonNode.DeepEquals(Json.Walk(obj, "metadata", "annotations"), Json.Walk(old, "metadata", "annotations"));

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var status = Json.Object(obj, "status");
        var (names, images) = Workloads.ContainerCells(Json.Object(obj, "spec", "template", "spec"));
        return
        [
            Json.String(obj, "metadata", "name"),
            $"{Nodes.Int(status, "readyReplicas")}/{Nodes.Int(obj, "spec", "replicas")}",
            Nodes.Int(status, "updatedReplicas"),
            Nodes.Int(status, "availableReplicas"),
            Age(obj, now),
            names,
            images,
            LabelSelectors.Format(Json.Walk(obj, "spec", "selector")),
        ];
    }

    private static void ValidateStrategy(JsonObject? strategy, List<StatusCause> causes)
    {
        switch (Nodes.Str(strategy, "type"))
        {
            case "Recreate":
                if (Nodes.Has(strategy, "rollingUpdate"))
                {
                    causes.Add(StatusCause.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
                }

                break;
            case "RollingUpdate":
                if (Json.Object(strategy, "rollingUpdate") is not { } rolling)
                {
                    causes.Add(StatusCause.Required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
                    break;
                }

                var unavailable = Workloads.IntOrPercent(rolling["maxUnavailable"], "spec.strategy.rollingUpdate.maxUnavailable", causes);
                var surge = Workloads.IntOrPercent(rolling["maxSurge"], "spec.strategy.rollingUpdate.maxSurge", causes, atMost100Percent: false);

                if (unavailable == 0 && surge == 0)
                {
                    causes.Add(StatusCause.Invalid("spec.strategy.rollingUpdate.maxUnavailable", GoValue.IntOrString(rolling["maxUnavailable"]), "may not be 0 when `maxSurge` is 0"));
                }

                break;
            default:
                var shown = Nodes.Has(strategy, "rollingUpdate")
                    ? (object)GoValue.Json(strategy)
                    : new GoValue($"apps.DeploymentStrategy{{Type:{GoValue.Quote(Nodes.Str(strategy, "type"))}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}}");
                causes.Add(StatusCause.NotSupported("spec.strategy", shown, ["Recreate", "RollingUpdate"]));
                break;
        }
    }
}
