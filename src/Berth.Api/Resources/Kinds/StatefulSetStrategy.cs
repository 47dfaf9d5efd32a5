using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// StatefulSets (apps/v1), after pkg/registry/apps/statefulset/strategy.go, SetDefaults_StatefulSet and
/// ValidateStatefulSetSpec: names are DNS labels (pods are named NAME-ORDINAL); defaults OrderedReady,
/// RollingUpdate with partition 0, replicas 1, revisionHistoryLimit 10, PVC retention Retain/Retain. Only
/// replicas, ordinals, template, updateStrategy, revisionHistoryLimit, PVC retention and minReadySeconds may
/// change. Like Kubernetes, the template's pod spec is not validated here (only its labels and annotations);
/// the pods the controller creates are.
/// </summary>
public sealed class StatefulSetStrategy : ResourceStrategy
{
    private static readonly string[] Mutable =
        ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

    private static readonly IReadOnlyList<TableColumn> StatefulSetColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Ready", "Number of the pod with ready state"),
        Kinds.Columns.Age,
        Kinds.Columns.Containers,
        Kinds.Columns.Images,
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => StatefulSetColumns;

    protected override NameRule NameRule => NameRule.Label;

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = Json.EnsureObject(obj, "spec");
        if (Nodes.Str(spec, "podManagementPolicy").Length == 0)
        {
            spec["podManagementPolicy"] = "OrderedReady";
        }

        var strategy = Json.EnsureObject(spec, "updateStrategy");
        if (Nodes.Str(strategy, "type").Length == 0)
        {
            strategy["type"] = "RollingUpdate";
            Json.EnsureObject(strategy, "rollingUpdate");
        }

        if (Json.String(strategy, "type") == "RollingUpdate" && Json.Object(strategy, "rollingUpdate") is { } rolling)
        {
            Workloads.DefaultInt(rolling, "partition", 0);
        }

        var retention = Json.EnsureObject(spec, "persistentVolumeClaimRetentionPolicy");
        foreach (var when in new[] { "whenDeleted", "whenScaled" })
        {
            if (Nodes.Str(retention, when).Length == 0)
            {
                retention[when] = "Retain";
            }
        }

        Workloads.DefaultInt(spec, "replicas", 1);
        Workloads.DefaultInt(spec, "revisionHistoryLimit", 10);
        Workloads.DefaultTemplate(obj);
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        switch (Nodes.Str(spec, "podManagementPolicy"))
        {
            case "":
                causes.Add(StatusCause.Required("spec.podManagementPolicy"));
                break;
            case "OrderedReady" or "Parallel":
                break;
            case var other:
                causes.Add(StatusCause.Invalid("spec.podManagementPolicy", other, "must be 'OrderedReady' or 'Parallel'"));
                break;
        }

        var strategy = Json.Object(spec, "updateStrategy");
        switch (Nodes.Str(strategy, "type"))
        {
            case "":
                causes.Add(StatusCause.Required("spec.updateStrategy"));
                break;
            case "OnDelete":
                if (Nodes.Has(strategy, "rollingUpdate"))
                {
                    causes.Add(StatusCause.Invalid("spec.updateStrategy.rollingUpdate", GoValue.Json(strategy!["rollingUpdate"]), "only allowed for updateStrategy 'RollingUpdate'"));
                }

                break;
            case "RollingUpdate":
                if (Json.Object(strategy, "rollingUpdate") is { } rolling)
                {
                    FieldRules.NonNegative(rolling["partition"], "spec.updateStrategy.rollingUpdate.partition", causes);
                    if (rolling["maxUnavailable"] is { } maxUnavailable &&
                        Workloads.IntOrPercent(maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", causes) == 0)
                    {
                        causes.Add(StatusCause.Invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", GoValue.IntOrString(maxUnavailable), "cannot be 0"));
                    }
                }

                break;
            default:
                causes.Add(StatusCause.Invalid("spec.updateStrategy", GoValue.Json(strategy), "must be 'RollingUpdate' or 'OnDelete'"));
                break;
        }

        if (Json.Object(spec, "persistentVolumeClaimRetentionPolicy") is { } retention)
        {
            foreach (var when in new[] { "whenDeleted", "whenScaled" })
            {
                var policy = Nodes.Str(retention, when);
                if (policy is not ("Retain" or "Delete"))
                {
                    causes.Add(StatusCause.NotSupported($"spec.persistentVolumeClaimRetentionPolicy.{when}", policy, ["Retain", "Delete"]));
                }
            }
        }

        FieldRules.NonNegative(spec["replicas"], "spec.replicas", causes);
        FieldRules.NonNegative(spec["minReadySeconds"], "spec.minReadySeconds", causes);
        FieldRules.NonNegative(Json.Walk(spec, "ordinals", "start"), "spec.ordinals.start", causes);
        if (Workloads.ValidateSelector(spec, "spec", "statefulset", causes))
        {
            Workloads.SelectorMatchesTemplate(spec, "spec", causes);
        }
        else
        {
            causes.Add(StatusCause.Invalid("spec.selector", GoValue.LabelSelector(spec["selector"]), ""));
        }

        var template = Json.Object(spec, "template");
        Validation.ValidateLabels(Json.Object(template, "metadata", "labels"), "spec.template.labels", causes);
        Validation.ValidateAnnotations(Json.Object(template, "metadata", "annotations"), "spec.template.annotations", causes);
        var restart = Nodes.Str(template, "spec", "restartPolicy");
        if (restart != "Always")
        {
            causes.Add(StatusCause.NotSupported("spec.template.spec.restartPolicy", restart, ["Always"]));
        }

        if (Nodes.Has(Json.Object(template, "spec"), "activeDeadlineSeconds"))
        {
            causes.Add(StatusCause.Forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"));
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var spec = (Json.Object(obj, "spec") ?? []).DeepClone().AsObject();
        var oldSpec = Json.Object(old, "spec") ?? [];
        foreach (var field in Mutable)
        {
            Json.CopyProperty(oldSpec, spec, field);
        }

        if (!JsonNode.DeepEquals(spec, oldSpec))
        {
            causes.Add(StatusCause.Forbidden("spec",
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
        }
    }

    protected override void ValidateStatus(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var status = Json.Object(obj, "status");
        Workloads.ValidateReplicaCounts(status, ["replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas", "observedGeneration", "collisionCount"],
            ["readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"], causes);
        if (Nodes.Int(status, "availableReplicas") is var available && available > Nodes.Int(status, "readyReplicas"))
        {
            causes.Add(StatusCause.Invalid("status.availableReplicas", available, "cannot be greater than status.readyReplicas"));
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
    [
        Json.String(obj, "metadata", "name"),
        $"{Nodes.Int(obj, "status", "readyReplicas")}/{Nodes.Int(obj, "spec", "replicas")}",
        Age(obj, now),
        .. Workloads.WideCells(obj, withSelector: false),
    ];
}
