using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// StorageClasses (storage.k8s.io/v1), after SetDefaults_StorageClass and ValidateStorageClass(Update):
/// reclaimPolicy Delete and volumeBindingMode Immediate by default; provisioner required (a qualified name);
/// parameters, provisioner, reclaimPolicy and volumeBindingMode never change. NAME gets " (default)" for the
/// class annotated <c>storageclass.kubernetes.io/is-default-class: "true"</c>.
/// </summary>
public sealed class StorageClassStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> ClassColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Provisioner", "provisioner indicates the type of the provisioner."),
        Kinds.Columns.Text("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class."),
        Kinds.Columns.Text("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound."),
        Kinds.Columns.Text("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."),
        Kinds.Columns.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => ClassColumns;

    protected override bool ClusterScoped => true;

    public override void ApplyDefaults(JsonObject obj)
    {
        Nodes.Default(obj, "reclaimPolicy", "Delete");
        Nodes.Default(obj, "volumeBindingMode", "Immediate");
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var provisioner = Nodes.Str(obj, "provisioner");
        if (provisioner.Length == 0)
        {
            causes.Add(StatusCause.Required("provisioner"));
        }
        else
        {
            Validation.IsQualifiedName(provisioner.ToLowerInvariant()).ToList().ForEach(msg => causes.Add(StatusCause.Invalid("provisioner", provisioner, msg)));
        }

        FieldRules.OneOf(Json.String(obj, "reclaimPolicy"), "reclaimPolicy", ["Delete", "Retain"], causes, required: false);
        FieldRules.OneOf(Json.String(obj, "volumeBindingMode"), "volumeBindingMode", ["Immediate", "WaitForFirstConsumer"], causes);
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        if (!JsonNode.DeepEquals(obj["parameters"], old["parameters"]))
        {
            causes.Add(StatusCause.Forbidden("parameters", "updates to parameters are forbidden."));
        }

        if (Nodes.Str(obj, "provisioner") != Nodes.Str(old, "provisioner"))
        {
            causes.Add(StatusCause.Forbidden("provisioner", "updates to provisioner are forbidden."));
        }

        if (Nodes.Str(obj, "reclaimPolicy") != Nodes.Str(old, "reclaimPolicy"))
        {
            causes.Add(StatusCause.Forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
        }

        FieldRules.Immutable(obj["volumeBindingMode"], old["volumeBindingMode"], "volumeBindingMode", causes);
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var annotations = Json.Object(obj, "metadata", "annotations");
        var isDefault = Json.String(annotations, "storageclass.kubernetes.io/is-default-class") == "true" ||
                        Json.String(annotations, "storageclass.beta.kubernetes.io/is-default-class") == "true";
        var name = Json.String(obj, "metadata", "name") + (isDefault ? " (default)" : "");
        return
        [
            name,
            Nodes.Str(obj, "provisioner"),
            Json.String(obj, "reclaimPolicy") ?? "Delete",
            Json.String(obj, "volumeBindingMode") ?? "Immediate",
            Json.Bool(obj, "allowVolumeExpansion") ?? false,
            Age(obj, now),
        ];
    }
}
