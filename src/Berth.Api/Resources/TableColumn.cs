namespace Berth.Api.Resources;

/// <summary>
/// A column of the <c>meta.k8s.io/v1 Table</c> that <c>kubectl get</c> prints. <see cref="Priority"/> 1
/// columns appear only with <c>-o wide</c>; the Name column has <see cref="Format"/> <c>name</c>.
/// </summary>
public sealed record TableColumn(string Name, string Type, string Description, int Priority = 0, string Format = "");
