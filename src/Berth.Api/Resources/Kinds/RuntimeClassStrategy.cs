using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// RuntimeClasses (node.k8s.io/v1), after ValidateRuntimeClass(Update): <c>handler</c> is a required DNS label
/// that never changes. Berth's VM runtime is selected by a pod's <c>runtimeClassName: vm</c>.
/// </summary>
public sealed class RuntimeClassStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> RuntimeClassColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Handler", "handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class."),
        Kinds.Columns.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => RuntimeClassColumns;

    protected override bool ClusterScoped => true;

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var handler = Nodes.Str(obj, "handler");
        Validation.IsDns1123Label(handler).ToList().ForEach(msg => causes.Add(StatusCause.Invalid("handler", handler, msg)));
        if (Json.Object(obj, "overhead", "podFixed") is { } overhead)
        {
            ContainerValidation.ValidateResources(new JsonObject { ["limits"] = overhead.DeepClone() }, "overhead.podFixed", causes);
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes) =>
        FieldRules.Immutable(obj["handler"], old["handler"], "handler", causes);

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Json.String(obj, "metadata", "name"), Nodes.Str(obj, "handler"), Age(obj, now)];
}
