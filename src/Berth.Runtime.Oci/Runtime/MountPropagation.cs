namespace Berth.Runtime.Oci.Runtime;

/// <summary>Kubernetes' <c>mountPropagation</c> values and the OCI options they become.</summary>
public enum MountPropagation
{
    /// <summary><c>None</c>: <c>rprivate</c>.</summary>
    Private,

    /// <summary><c>HostToContainer</c>: <c>rslave</c>; mounts made on the host later appear in the container.</summary>
    HostToContainer,

    /// <summary><c>Bidirectional</c>: <c>rshared</c>; needs a privileged container, as in Kubernetes.</summary>
    Bidirectional,
}
