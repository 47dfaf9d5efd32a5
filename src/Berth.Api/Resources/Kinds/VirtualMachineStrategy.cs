using System.Text.Json.Nodes;
using Berth.Api.KubeVirt;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// KubeVirt VirtualMachines (kubevirt.io/v1): a status subresource; <c>spec.template</c> required and its spec
/// checked as a VMI's (<see cref="VmiSpecValidation"/> at <c>spec.template.spec</c>: unsupported fields refused with a
/// 422 naming them); <c>running</c> and <c>runStrategy</c> mutually exclusive; VM-level features Berth lacks
/// (data volume templates, instance types) refused; names that are DNS labels (the VMI gets the VM's name); the
/// printer columns of KubeVirt's CRD (Age, Status from <c>status.printableStatus</c>, Ready).
/// </summary>
public sealed class VirtualMachineStrategy : ResourceStrategy
{
    private static readonly string[] RunStrategies = ["Always", "RerunOnFailure", "Manual", "Halted", "Once"];

    private static readonly IReadOnlyList<TableColumn> VmColumns =
    [
        Kinds.Columns.Name,
        new("Age", "date", Kinds.Columns.Age.Description),
        Kinds.Columns.Text("Status", "Human Readable Status"),
        Kinds.Columns.Text("Ready", "Status of the Ready condition."),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => VmColumns;

    protected override NameRule NameRule => NameRule.Label;

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        if (FieldCheck.Object(obj["spec"], "spec", causes) is not { } spec)
        {
            causes.Add(StatusCause.Required("spec"));
            return;
        }

        FieldCheck.Only(spec, "spec", causes, ["template", "running", "runStrategy", "dataVolumeTemplates"], new Dictionary<string, string>
        {
            ["instancetype"] = "no instance types; put CPU and memory into the template",
            ["preference"] = "no preferences; put devices into the template",
            ["updateVolumesStrategy"] = "no volume migration",
            ["liveUpdateFeatures"] = "no live updates; restart the VM",
        });
        if (FieldCheck.Array(spec["dataVolumeTemplates"], "spec.dataVolumeTemplates", causes) is { Count: > 0 })
        {
            causes.Add(FieldCheck.Unsupported("spec.dataVolumeTemplates", "no CDI; use a persistentVolumeClaim volume"));
        }

        if (Nodes.Has(spec, "running") && Nodes.Has(spec, "runStrategy"))
        {
            causes.Add(StatusCause.Invalid("spec.running", Json.Bool(spec, "running"), "running and runStrategy are mutually exclusive"));
        }

        FieldCheck.Bool(spec["running"], "spec.running", causes);
        if (FieldCheck.String(spec["runStrategy"], "spec.runStrategy", causes) is { } strategy)
        {
            FieldRules.OneOf(strategy, "spec.runStrategy", RunStrategies, causes);
        }

        ValidateTemplate(spec, "spec", causes);
    }

    /// <summary>A VMI template (<c>{metadata, spec}</c>) at <paramref name="path"/>.template, as VMs and VMI replica sets carry it.</summary>
    internal static void ValidateTemplate(JsonObject spec, string path, List<StatusCause> causes)
    {
        var templatePath = $"{path}.template";
        if (FieldCheck.Object(spec["template"], templatePath, causes) is not { } template)
        {
            if (spec["template"] is null)
            {
                causes.Add(StatusCause.Required(templatePath));
            }

            return;
        }

        FieldCheck.Only(template, templatePath, causes, ["metadata", "spec"]);
        if (FieldCheck.Object(template["metadata"], $"{templatePath}.metadata", causes) is { } meta)
        {
            Validation.ValidateLabels(Json.Object(meta, "labels"), $"{templatePath}.metadata.labels", causes);
            Validation.ValidateAnnotations(Json.Object(meta, "annotations"), $"{templatePath}.metadata.annotations", causes);
        }

        VmiSpecValidation.Validate(template["spec"], $"{templatePath}.spec", causes);
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
    [
        Json.String(obj, "metadata", "name"),
        Age(obj, now),
        Json.String(obj, "status", "printableStatus"),
        Json.String(Nodes.Condition(Json.Array(obj, "status", "conditions"), "Ready"), "status"),
    ];
}
