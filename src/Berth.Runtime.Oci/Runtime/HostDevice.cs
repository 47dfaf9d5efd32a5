namespace Berth.Runtime.Oci.Runtime;

/// <summary>A host device node given to privileged containers (OCI <c>linux.devices</c>).</summary>
public sealed record HostDevice(string Path, char Type, long Major, long Minor)
{
    /// <summary>
    /// The host's character and block devices under /dev, found through /sys/dev/{char,block}/MAJ:MIN/uevent
    /// (DEVNAME=...), skipping what each container gets its own of (pts, shm, mqueue) — as containerd's
    /// <c>WithHostDevices</c> does for privileged containers.
    /// </summary>
    public static IReadOnlyList<HostDevice> Scan()
    {
        var list = new List<HostDevice>();
        foreach (var (dir, type) in new[] { ("/sys/dev/char", 'c'), ("/sys/dev/block", 'b') })
        {
            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
            {
                var parts = System.IO.Path.GetFileName(entry).Split(':');
                if (parts.Length != 2 || !long.TryParse(parts[0], out var major) || !long.TryParse(parts[1], out var minor))
                {
                    continue;
                }

                string? name = null;
                try
                {
                    foreach (var line in File.ReadLines(System.IO.Path.Combine(entry, "uevent")))
                    {
                        if (line.StartsWith("DEVNAME=", StringComparison.Ordinal))
                        {
                            name = line["DEVNAME=".Length..];
                        }
                    }
                }
                catch (IOException)
                {
                    continue;
                }
                catch (UnauthorizedAccessException)
                {
                    continue;
                }

                if (name is null || name.StartsWith("pts/", StringComparison.Ordinal) || name is "ptmx" or "console" or "tty")
                {
                    continue;
                }

                var path = "/dev/" + name;
                if (File.Exists(path))
                {
                    list.Add(new HostDevice(path, type, major, minor));
                }
            }
        }

        return list.OrderBy(d => d.Path, StringComparer.Ordinal).ToList();
    }
}
