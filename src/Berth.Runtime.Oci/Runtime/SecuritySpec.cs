namespace Berth.Runtime.Oci.Runtime;

/// <summary>Kubernetes' <c>securityContext</c>, reduced to what a runtime applies.</summary>
public sealed record SecuritySpec
{
    /// <summary>Added to <see cref="Capabilities.Default"/>; names with or without <c>CAP_</c>, any case; <c>ALL</c> allowed.</summary>
    public IReadOnlyList<string> CapAdd { get; init; } = [];

    /// <summary>Removed from the default set (after adding, as containerd does); <c>ALL</c> drops everything not explicitly added.</summary>
    public IReadOnlyList<string> CapDrop { get; init; } = [];

    /// <summary>All capabilities the host allows, every device, /sys writable, no masked or read-only /proc paths.</summary>
    public bool Privileged { get; init; }

    /// <summary>Mount the root filesystem read-only (mounts and tmpfs stay writable).</summary>
    public bool ReadOnlyRootfs { get; init; }

    /// <summary>PR_SET_NO_NEW_PRIVS (Kubernetes <c>allowPrivilegeEscalation: false</c>).</summary>
    public bool NoNewPrivileges { get; init; }
}
