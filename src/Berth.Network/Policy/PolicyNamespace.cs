namespace Berth.Network.Policy;

/// <summary>
/// A namespace's labels, for <c>namespaceSelector</c> peers. The label <c>kubernetes.io/metadata.name</c> = name
/// (which the Kubernetes API server sets on every namespace) is added when missing. A namespace that is not given at
/// all is treated as having only that label.
/// </summary>
/// <param name="Name">metadata.name.</param>
/// <param name="Labels">metadata.labels.</param>
public sealed record PolicyNamespace(string Name, IReadOnlyDictionary<string, string> Labels);
