namespace Berth.Api.Resources;

/// <summary>
/// A subresource as discovery lists it (<c>deployments/scale</c>). <see cref="Group"/>,
/// <see cref="Version"/> and <see cref="Kind"/> are set when the subresource speaks another kind
/// than its parent (scale speaks <c>autoscaling/v1 Scale</c>; kubectl's scale client needs that).
/// </summary>
public sealed record Subresource(string Name, IReadOnlyList<string> Verbs, string? Kind = null, string? Group = null, string? Version = null)
{
    public static Subresource Status { get; } = new("status", ["get", "patch", "update"]);

    public static Subresource Scale { get; } = new("scale", ["get", "patch", "update"], "Scale", "autoscaling", "v1");
}
