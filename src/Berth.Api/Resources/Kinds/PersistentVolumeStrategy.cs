using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// PersistentVolumes (core/v1), after SetDefaults_PersistentVolume and ValidatePersistentVolume: reclaim policy
/// Retain, volumeMode Filesystem, phase Pending; capacity.storage and access modes are required, with exactly
/// one volume source; the source may not change after creation.
/// </summary>
public sealed class PersistentVolumeStrategy : ResourceStrategy
{
    private static readonly string[] Sources =
    [
        "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "iscsi", "cinder", "cephfs", "fc",
        "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume",
        "scaleIO", "local", "storageos", "csi",
    ];

    private static readonly IReadOnlyList<TableColumn> VolumeColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Capacity", "capacity is the description of the persistent volume's resources and capacity."),
        Kinds.Columns.Text("Access Modes", "accessModes contains all ways the volume can be mounted."),
        Kinds.Columns.Text("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
        Kinds.Columns.Text("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
        Kinds.Columns.Text("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
        Kinds.Columns.Text("StorageClass", "StorageClass of the pv"),
        Kinds.Columns.Text("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
        Kinds.Columns.Text("Reason", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
        Kinds.Columns.Age,
        Kinds.Columns.Text("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", 1),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => VolumeColumns;

    protected override bool ClusterScoped => true;

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = Json.EnsureObject(obj, "spec");
        if (Nodes.Str(spec, "persistentVolumeReclaimPolicy").Length == 0)
        {
            spec["persistentVolumeReclaimPolicy"] = "Retain";
        }

        Nodes.Default(spec, "volumeMode", "Filesystem");
        var status = Json.EnsureObject(obj, "status");
        if (Nodes.Str(status, "phase").Length == 0)
        {
            status["phase"] = "Pending";
        }
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        Storage.ValidateAccessModes(spec["accessModes"], "spec.accessModes", causes);
        var storage = Json.Walk(spec, "capacity", "storage");
        if (storage is null)
        {
            causes.Add(StatusCause.Required("spec.capacity.storage"));
        }
        else if (Quantity.Parse(storage) is not > 0)
        {
            causes.Add(StatusCause.Invalid("spec.capacity.storage", Quantity.Text(storage), "must be greater than zero"));
        }

        FieldRules.OneOf(Json.String(spec, "persistentVolumeReclaimPolicy"), "spec.persistentVolumeReclaimPolicy", ["Delete", "Recycle", "Retain"], causes);
        var count = Sources.Count(s => Nodes.Has(spec, s));
        if (count == 0)
        {
            causes.Add(StatusCause.Required("spec", "must specify a volume type"));
        }
        else if (count > 1)
        {
            causes.Add(StatusCause.Forbidden($"spec.{Sources.Where(s => Nodes.Has(spec, s)).Skip(1).First()}", "may not specify more than 1 volume type"));
        }

        if (Json.Object(spec, "hostPath") is { } hostPath && Nodes.Str(hostPath, "path").Length == 0)
        {
            causes.Add(StatusCause.Required("spec.hostPath.path"));
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec");
        var oldSpec = Json.Object(old, "spec");
        if (Sources.Any(s => !JsonNode.DeepEquals(spec?[s], oldSpec?[s])))
        {
            causes.Add(StatusCause.Forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
        }

        FieldRules.Immutable(spec?["volumeMode"], oldSpec?["volumeMode"], "volumeMode", causes);
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var claim = Json.Object(obj, "spec", "claimRef") is { } c ? $"{Nodes.Str(c, "namespace")}/{Nodes.Str(c, "name")}" : "";
        var phase = Json.Object(obj, "metadata")?["deletionTimestamp"] is not null ? "Terminating" : Nodes.Str(obj, "status", "phase");
        return
        [
            Json.String(obj, "metadata", "name"),
            Quantity.Text(Json.Walk(obj, "spec", "capacity", "storage")) is { Length: > 0 } size ? size : "0",
            Storage.AccessModesText(Json.Walk(obj, "spec", "accessModes")),
            Nodes.Str(obj, "spec", "persistentVolumeReclaimPolicy"),
            phase,
            claim,
            Storage.ClassOf(obj),
            Json.String(obj, "spec", "volumeAttributesClassName") ?? "<unset>",
            Nodes.Str(obj, "status", "reason"),
            Age(obj, now),
            Json.String(obj, "spec", "volumeMode") ?? "<unset>",
        ];
    }
}
