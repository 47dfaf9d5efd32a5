namespace Berth.Runtime.Oci.Runtime;

public enum MountKind
{
    /// <summary>A recursive bind mount of a host file or directory.</summary>
    Bind,

    /// <summary>A fresh tmpfs (memory-backed), private to the container.</summary>
    Tmpfs,
}
