namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Which Linux namespaces the container gets. A pod shares its network namespace (made by the network
/// layer and given as a path) and, like the kubelet does with its sandbox, its IPC and UTS namespaces
/// (made by <see cref="PodNamespaces"/>). The mount namespace is always new; the PID namespace is new
/// per container (pod-wide PID sharing, <c>shareProcessNamespace</c>, is not supported yet).
/// </summary>
public sealed record NamespaceSpec
{
    public NamespaceRef Network { get; init; } = NamespaceRef.New;

    public NamespaceRef Ipc { get; init; } = NamespaceRef.New;

    public NamespaceRef Uts { get; init; } = NamespaceRef.New;

    /// <summary><see cref="NamespaceRef.New"/> or <see cref="NamespaceRef.Host"/> (<c>hostPID</c>); joining by path is not supported.</summary>
    public NamespaceRef Pid { get; init; } = NamespaceRef.New;
}
