namespace Berth.Runtime.Oci.Runtime;

/// <summary>One extra mount in the container (a Kubernetes volume mount, once resolved to a host path or a tmpfs).</summary>
public sealed record MountSpec
{
    /// <summary>Required: absolute path inside the container; created when missing.</summary>
    public required string Destination { get; init; }

    public MountKind Kind { get; init; } = MountKind.Bind;

    /// <summary>Host path to bind (file or directory); required for <see cref="MountKind.Bind"/>, ignored for tmpfs.</summary>
    public string? Source { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>Mount propagation, as Kubernetes' <c>mountPropagation</c>; only meaningful for binds.</summary>
    public MountPropagation Propagation { get; init; } = MountPropagation.Private;

    /// <summary>tmpfs size limit in bytes (emptyDir <c>medium: Memory</c> with <c>sizeLimit</c>). Null: the kernel default (half of RAM).</summary>
    public long? SizeBytes { get; init; }
}
