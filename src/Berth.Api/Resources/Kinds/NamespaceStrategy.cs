using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Namespaces (core/v1), after pkg/registry/core/namespace/strategy.go: names are DNS labels; every namespace
/// carries the label <c>kubernetes.io/metadata.name</c> = its name; on create <c>spec.finalizers</c> gets
/// <c>kubernetes</c> and the phase is <c>Active</c>; updates keep finalizers and status (they change through
/// <c>/finalize</c> and <c>/status</c>). Deleting a namespace (phase Terminating) is the server's job.
/// </summary>
public sealed class NamespaceStrategy : ResourceStrategy
{
    public const string MetadataNameLabel = "kubernetes.io/metadata.name";

    private static readonly IReadOnlyList<TableColumn> NamespaceColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Status", "The status of the namespace"),
        Kinds.Columns.Age,
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => NamespaceColumns;

    protected override NameRule NameRule => NameRule.Label;

    protected override bool ClusterScoped => true;

    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        obj["status"] = new JsonObject { ["phase"] = "Active" };
        var spec = Json.EnsureObject(obj, "spec");
        if (spec["finalizers"] is not JsonArray finalizers)
        {
            finalizers = [];
            spec["finalizers"] = finalizers;
        }

        if (!Nodes.Strings(finalizers).Contains("kubernetes"))
        {
            finalizers.Add("kubernetes");
        }
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        base.PrepareForUpdate(obj, old);
        var spec = Json.EnsureObject(obj, "spec");
        Json.CopyProperty(Json.Object(old, "spec") ?? [], spec, "finalizers");
    }

    public override void ApplyDefaults(JsonObject obj)
    {
        if (Json.String(obj, "metadata", "name") is { Length: > 0 } name)
        {
            Nodes.Ensure(obj, "metadata", "labels")[MetadataNameLabel] = name;
        }

        if (obj["status"] is JsonObject status && Nodes.Str(status, "phase").Length == 0)
        {
            status["phase"] = "Active";
        }
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var i = 0;
        foreach (var finalizer in Nodes.Strings(Json.Array(obj, "spec", "finalizers")))
        {
            ValidateFinalizer(finalizer, $"spec.finalizers[{i++}]", causes);
        }
    }

    /// <summary><c>ValidateNamespaceStatusUpdate</c>: Active until deletion starts, Terminating after.</summary>
    protected override void ValidateStatus(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var phase = Nodes.Str(obj, "status", "phase");
        if (Json.Object(obj, "metadata")?["deletionTimestamp"] is null)
        {
            if (phase != "Active")
            {
                causes.Add(StatusCause.Invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty"));
            }
        }
        else if (phase != "Terminating")
        {
            causes.Add(StatusCause.Invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Json.String(obj, "metadata", "name"), Nodes.Str(obj, "status", "phase"), Age(obj, now)];

    public override bool TryGetField(FieldSource obj, string field, out string? value)
    {
        if (field == "status.phase")
        {
            value = obj.Str("status", "phase");
            return true;
        }

        return base.TryGetField(obj, field, out value);
    }

    /// <summary><c>validateFinalizerName</c>: a qualified name; unprefixed only for the standard <c>kubernetes</c>.</summary>
    internal static void ValidateFinalizer(string finalizer, string path, List<StatusCause> causes)
    {
        var problems = Validation.IsQualifiedName(finalizer).ToList();
        problems.ForEach(msg => causes.Add(StatusCause.Invalid(path, finalizer, msg)));
        if (problems.Count == 0 && !finalizer.Contains('/', StringComparison.Ordinal) && finalizer != "kubernetes")
        {
            causes.Add(StatusCause.Invalid(path, finalizer, "name is neither a standard finalizer name nor is it fully qualified"));
        }
    }
}
