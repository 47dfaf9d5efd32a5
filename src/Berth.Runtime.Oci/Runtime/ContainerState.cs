namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// A container's lifecycle state (the CRI's CONTAINER_CREATED / RUNNING / EXITED):
/// <code>
///   CreateAsync ──► Created ──StartAsync──► Running ──(exits, StopAsync, OOM kill)──► Exited
///                      │                                                              │
///                      └──────────────(StopAsync / DeleteAsync)───────────────────────┤
///                                                                      DeleteAsync ──► (gone)
/// </code>
/// There is no way back: a restart is a new container (new id), as in the kubelet.
/// </summary>
public enum ContainerState
{
    /// <summary>The runtime has set the container up (namespaces, cgroup, rootfs); its process waits to be started.</summary>
    Created,

    /// <summary>The container's process runs.</summary>
    Running,

    /// <summary>The process has ended (or was never started and was stopped); the exit code is known, or 255 with reason Unknown when nothing recorded it.</summary>
    Exited,
}
