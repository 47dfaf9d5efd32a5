namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Host-side mounts the agent makes for pod volumes that several containers share, e.g. an emptyDir
/// with <c>medium: Memory</c>: a tmpfs mounted once on the host (with its <c>sizeLimit</c>) and bound
/// into each container with a <see cref="MountSpec"/> of kind Bind, as the kubelet does.
/// </summary>
public static class HostMounts
{
    /// <summary>Mounts a tmpfs at <paramref name="path"/> (created when missing); idempotent.</summary>
    public static void MountTmpfs(string path, long? sizeBytes)
    {
        Directory.CreateDirectory(path);
        if (OverlayRootfs.IsMounted(path))
        {
            return;
        }

        var options = sizeBytes is { } size ? $"mode=1777,size={size}" : "mode=1777";
        if (Native.mount("tmpfs", path, "tmpfs", 0, options) != 0)
        {
            throw new IOException($"mount tmpfs on {path}: {Native.ErrorText(Native.Errno)}");
        }
    }

    /// <summary>Unmounts whatever is mounted at <paramref name="path"/>; idempotent.</summary>
    public static void Unmount(string path) => OverlayRootfs.Unmount(path);
}
