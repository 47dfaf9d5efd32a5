namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Everything a runtime needs to create one container. Runtime-neutral and pod-agnostic: the node
/// agent translates a Kubernetes container (with its pod's sandbox) into this; nothing here names a
/// Kubernetes type. A spec is immutable once the container is created: to change it, delete the
/// container and create a new one (as the kubelet does on restart).
/// </summary>
/// <remarks>
/// Translated into an OCI runtime-spec <c>config.json</c> by <see cref="OciSpecBuilder"/>
/// (https://github.com/opencontainers/runtime-spec/blob/main/config.md and config-linux.md).
/// Seccomp is not applied yet: containers run <b>unconfined</b> (Kubernetes' own default before
/// 1.27 made RuntimeDefault opt-in), which is documented in docs/runtime-oci.md.
/// </remarks>
public sealed record ContainerSpec
{
    /// <summary>
    /// Required, unique on the node, immutable. Letters, digits, <c>_ . -</c>, at most 64 characters
    /// (it names the runtime's state directory, the bundle directory and the cgroup leaf).
    /// </summary>
    public required string Id { get; init; }

    /// <summary>Human-readable name for logs and conmon (<c>-n</c>), e.g. <c>default_web-0_nginx</c>. Defaults to <see cref="Id"/>.</summary>
    public string? Name { get; init; }

    /// <summary>Opaque reference to the pod sandbox this container belongs to (the agent uses the pod UID). Returned in status; used for listing.</summary>
    public string? SandboxId { get; init; }

    /// <summary>
    /// Required. Image layer directories, <b>top-most first</b>, as the image store returns them; mounted
    /// read-only as overlayfs lowerdirs. The writable upper and work directories are created per
    /// container under the data directory and removed on delete.
    /// </summary>
    public required IReadOnlyList<string> LowerDirs { get; init; }

    /// <summary>Required: the process to run as the container's PID 1.</summary>
    public required ProcessSpec Process { get; init; }

    /// <summary>Hostname inside the container (requires a private or shared-by-path UTS namespace).</summary>
    public string? Hostname { get; init; }

    /// <summary>Extra mounts (volumes), applied after the default ones (/proc, /dev, /sys...) in this order.</summary>
    public IReadOnlyList<MountSpec> Mounts { get; init; } = [];

    /// <summary>Namespaces: new, host, or joined by path (the pod's network namespace made by the network layer).</summary>
    public NamespaceSpec Namespaces { get; init; } = new();

    /// <summary>cgroup placement and limits.</summary>
    public ResourceSpec Resources { get; init; } = new();

    /// <summary>Capabilities, privileged mode, read-only root, no-new-privileges.</summary>
    public SecuritySpec Security { get; init; } = new();

    /// <summary>Host file bind-mounted at /etc/hosts (read-only when the root filesystem is, as containerd does). Null: the image's own file.</summary>
    public string? HostsFile { get; init; }

    /// <summary>Host file bind-mounted at /etc/resolv.conf (read-only when the root filesystem is, as containerd does). Null: the image's own file.</summary>
    public string? ResolvConfFile { get; init; }

    /// <summary>Host file bind-mounted at /etc/hostname (read-only when the root filesystem is, as containerd does). Null: the image's own file.</summary>
    public string? HostnameFile { get; init; }

    /// <summary>
    /// Required. Where conmon writes the container's stdout/stderr in the CRI log format
    /// (<see cref="CriLogReader"/>). Owned by the caller: <see cref="IContainerRuntime.DeleteAsync"/>
    /// does not remove it, so that the previous instance's log stays readable after a restart.
    /// </summary>
    public required string LogPath { get; init; }

    /// <summary>Written into config.json <c>annotations</c> and returned in status.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>The runtime's display name when <see cref="Name"/> is not set.</summary>
    public string DisplayName => Name ?? Id;
}
