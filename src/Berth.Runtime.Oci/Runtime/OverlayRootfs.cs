namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Mounts a container's root filesystem: overlayfs with the image layers as lowerdirs (top-most
/// first, as the image store hands them over) and a per-container upper/work pair
/// (https://docs.kernel.org/filesystems/overlayfs.html). The mount lives in the host's mount
/// namespace, so it survives an agent restart and is removed by <see cref="Unmount"/> on delete.
/// </summary>
public static class OverlayRootfs
{
    /// <summary>The kernel copies mount options into one page.</summary>
    private const int MaxOptionsLength = 4095;

    public static string Options(IReadOnlyList<string> lowerDirs, string upperDir, string workDir)
    {
        if (lowerDirs.Count == 0)
        {
            throw new ArgumentException("a root filesystem needs at least one lower directory (an image layer)");
        }

        foreach (var dir in lowerDirs.Append(upperDir).Append(workDir))
        {
            if (dir.Contains(',') || dir.Contains(':'))
            {
                throw new ArgumentException($"overlay directory '{dir}' contains ',' or ':', which overlayfs options cannot carry");
            }
        }

        var options = $"lowerdir={string.Join(':', lowerDirs)},upperdir={upperDir},workdir={workDir}";
        if (options.Length > MaxOptionsLength)
        {
            throw new ArgumentException($"overlay options for {lowerDirs.Count} layers are {options.Length} bytes, over the kernel's {MaxOptionsLength}: use shorter layer paths or fewer layers");
        }

        return options;
    }

    /// <summary>Creates upper, work and target when missing and mounts the overlay on <paramref name="target"/>. Already mounted: nothing to do.</summary>
    public static void Mount(IReadOnlyList<string> lowerDirs, string upperDir, string workDir, string target)
    {
        foreach (var lower in lowerDirs)
        {
            if (!Directory.Exists(lower))
            {
                throw new DirectoryNotFoundException($"image layer directory {lower} does not exist");
            }
        }

        var options = Options(lowerDirs, upperDir, workDir);
        Directory.CreateDirectory(upperDir);
        Directory.CreateDirectory(workDir);
        Directory.CreateDirectory(target);
        if (IsMounted(target))
        {
            return;
        }

        if (Native.mount("overlay", target, "overlay", 0, options) != 0)
        {
            var errno = Native.Errno;
            throw new IOException($"mount overlay on {target}: {Native.ErrorText(errno)}");
        }
    }

    /// <summary>Unmounts <paramref name="target"/> if it is a mount point; falls back to a lazy unmount when busy. Idempotent.</summary>
    public static void Unmount(string target)
    {
        while (IsMounted(target))
        {
            if (Native.umount2(target, 0) == 0)
            {
                continue;
            }

            var errno = Native.Errno;
            if (errno == Native.EBusy && Native.umount2(target, Native.MntDetach) == 0)
            {
                continue;
            }

            if (errno == Native.EInval || errno == Native.ENoEnt)
            {
                return;
            }

            throw new IOException($"umount {target}: {Native.ErrorText(errno)}");
        }
    }

    /// <summary>Whether <paramref name="path"/> is a mount point in this mount namespace.</summary>
    public static bool IsMounted(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd('/');
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ', 6);
            if (fields.Length > 4 && Unescape(fields[4]) == full)
            {
                return true;
            }
        }

        return false;
    }

    private static string Unescape(string s) => s.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal).Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
