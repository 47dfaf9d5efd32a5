using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// PersistentVolumeClaims (core/v1), after pkg/registry/core/persistentvolumeclaim/strategy.go,
/// SetDefaults_PersistentVolumeClaim(Spec) and ValidatePersistentVolumeClaim(Update): volumeMode Filesystem,
/// phase Pending; access modes and a positive <c>resources.requests.storage</c> are required. The spec is
/// immutable except <c>volumeName</c> (set once, by binding) and, for bound claims, the storage request
/// (which may not fall to or below <c>status.capacity</c> once shrunk; RecoverVolumeExpansionFailure is GA).
/// </summary>
public sealed class PersistentVolumeClaimStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> ClaimColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Status", "phase represents the current phase of PersistentVolumeClaim."),
        Kinds.Columns.Text("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
        Kinds.Columns.Text("Capacity", "capacity represents the actual resources of the underlying volume."),
        Kinds.Columns.Text("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has."),
        Kinds.Columns.Text("StorageClass", "StorageClass of the pvc"),
        Kinds.Columns.Text("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
        Kinds.Columns.Age,
        Kinds.Columns.Text("VolumeMode", "volumeMode defines what type of volume is required by the claim.", 1),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => ClaimColumns;

    public override void ApplyDefaults(JsonObject obj)
    {
        Nodes.Default(Json.EnsureObject(obj, "spec"), "volumeMode", "Filesystem");
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
        LabelSelectors.Validate(spec["selector"], "spec.selector", causes);
        var storage = Json.Walk(spec, "resources", "requests", "storage");
        if (storage is null)
        {
            causes.Add(StatusCause.Required("spec.resources[storage]"));
        }
        else if (Quantity.Parse(storage) is not { } size)
        {
            causes.Add(StatusCause.Invalid("spec.resources[storage]", Quantity.Text(storage), Quantity.FormatMessage));
        }
        else if (size <= 0)
        {
            causes.Add(StatusCause.Invalid("spec.resources[storage]", Quantity.Text(storage), "must be greater than zero"));
        }

        if (Nodes.Str(spec, "storageClassName") is { Length: > 0 } className)
        {
            Validation.IsDns1123Subdomain(className).ToList().ForEach(msg => causes.Add(StatusCause.Invalid("spec.storageClassName", className, msg)));
        }

        if (Json.String(spec, "volumeMode") is { } mode)
        {
            FieldRules.OneOf(mode, "spec.volumeMode", ["Block", "Filesystem"], causes, required: false);
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var spec = (Json.Object(obj, "spec") ?? []).DeepClone().AsObject();
        var oldSpec = (Json.Object(old, "spec") ?? []).DeepClone().AsObject();
        if (Nodes.Str(oldSpec, "volumeName").Length == 0)
        {
            Json.CopyProperty(spec, oldSpec, "volumeName");
        }

        if (Json.String(obj, "status", "phase") == "Bound")
        {
            if (Json.Object(spec, "resources", "requests") is { } requests)
            {
                requests["storage"] = Json.Walk(oldSpec, "resources", "requests", "storage")?.DeepClone();
            }

            Json.CopyProperty(oldSpec, spec, "volumeAttributesClassName");
        }

        if (!JsonNode.DeepEquals(spec, oldSpec))
        {
            causes.Add(StatusCause.Forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
        }

        var newSize = Quantity.Parse(Json.Walk(obj, "spec", "resources", "requests", "storage"));
        var oldSize = Quantity.Parse(Json.Walk(old, "spec", "resources", "requests", "storage"));
        var capacity = Quantity.Parse(Json.Walk(old, "status", "capacity", "storage")) ?? 0;
        if (newSize < oldSize && newSize <= capacity)
        {
            causes.Add(StatusCause.Forbidden("spec.resources.requests.storage", "field can not be less than status.capacity"));
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var phase = Json.Object(obj, "metadata")?["deletionTimestamp"] is not null ? "Terminating" : Nodes.Str(obj, "status", "phase");
        var volume = Nodes.Str(obj, "spec", "volumeName");
        var capacity = volume.Length > 0 ? Quantity.Text(Json.Walk(obj, "status", "capacity", "storage")) : "";
        var modes = volume.Length > 0 ? Storage.AccessModesText(Json.Walk(obj, "status", "accessModes")) : "";
        return
        [
            Json.String(obj, "metadata", "name"),
            phase,
            volume,
            capacity,
            modes,
            Storage.ClassOf(obj),
            Json.String(obj, "spec", "volumeAttributesClassName") ?? "<unset>",
            Age(obj, now),
            Json.String(obj, "spec", "volumeMode") ?? "<unset>",
        ];
    }
}
