namespace Berth.Agent.Vm;

/// <summary>
/// Reads an image's merged filesystem straight from its unpacked layers (no overlay mount): the VM runtime needs
/// only a few files of a VM image (the kernel, the initrd, the disk under <c>/disk/</c>) and hands their host paths to
/// QEMU, which opens them read-only. The layers are <see cref="Berth.Runtime.Oci.Images.ResolvedImage.LayerDirs"/>,
/// top-most first, as the image store unpacks them for overlayfs
/// (<see cref="Berth.Runtime.Oci.Images.LayerUnpacker"/>): a whiteout is a 0,0 character device that hides the
/// name in every lower layer, a directory with the xattr <c>trusted.overlay.opaque=y</c> hides the lower layers'
/// contents under it. Lookups follow symbolic links inside the image (absolute targets are relative to the image
/// root), as a path lookup in the container would. See the OCI image spec, "Representing Changes":
/// https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts
/// </summary>
internal sealed class ImageFiles(IReadOnlyList<string> layerDirsTopFirst, IImageFileSystem? fileSystem = null)
{
    private const int MaxSymlinks = 40;
    private readonly IImageFileSystem _fs = fileSystem ?? HostImageFileSystem.Instance;

    /// <summary>The host path of the regular file at <paramref name="path"/> in the image, or null when there is none (absent, whited out, a directory).</summary>
    public string? FindFile(string path)
    {
        var found = Lookup(path);
        return found is { Kind: ImageEntryKind.File } f ? f.HostPaths[0] : null;
    }

    /// <summary>The regular files directly in directory <paramref name="path"/> of the image (symlinks to files included): name → host path, sorted by name.</summary>
    public IReadOnlyList<(string Name, string HostPath)> ListFiles(string path)
    {
        var dir = Lookup(path);
        if (dir is not { Kind: ImageEntryKind.Directory })
        {
            return [];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<(string, string)>();
        var logical = Normalize(path);
        foreach (var hostDir in dir.HostPaths)
        {
            foreach (var name in _fs.List(hostDir))
            {
                // The topmost layer that has a name decides what it is; a whiteout hides it below.
                if (!seen.Add(name))
                {
                    continue;
                }

                if (_fs.KindOf(Path.Combine(hostDir, name)) == ImageEntryKind.Whiteout)
                {
                    continue;
                }

                if (FindFile("/" + string.Join('/', [.. logical, name])) is { } file)
                {
                    result.Add((name, file));
                }
            }
        }

        return result.OrderBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    private Found? Lookup(string path)
    {
        var pending = new Queue<string>(Normalize(path));
        var resolved = new List<string>();
        var links = 0;
        // The merged directory at `resolved`: the host directories that make it up, top-most first.
        var current = Roots();
        while (pending.Count > 0)
        {
            var name = pending.Dequeue();
            if (name == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                current = Walk(resolved);
                if (current is null)
                {
                    return null;
                }

                continue;
            }

            var next = new List<string>();
            ImageEntryKind? kind = null;
            string? linkTarget = null;
            foreach (var dir in current)
            {
                var candidate = Path.Combine(dir, name);
                var k = _fs.KindOf(candidate);
                if (k == ImageEntryKind.Missing)
                {
                    continue;
                }

                if (k == ImageEntryKind.Whiteout)
                {
                    break;
                }

                if (kind is null)
                {
                    kind = k;
                    if (k == ImageEntryKind.Symlink)
                    {
                        linkTarget = _fs.ReadLink(candidate);
                        break;
                    }

                    next.Add(candidate);
                    if (k != ImageEntryKind.Directory || _fs.IsOpaque(candidate))
                    {
                        break;
                    }

                    continue;
                }

                // Below the top-most entry only directories merge; anything else ends the merge.
                if (k != ImageEntryKind.Directory || kind != ImageEntryKind.Directory)
                {
                    break;
                }

                next.Add(candidate);
                if (_fs.IsOpaque(candidate))
                {
                    break;
                }
            }

            if (kind is null)
            {
                return null;
            }

            if (kind == ImageEntryKind.Symlink)
            {
                if (++links > MaxSymlinks || linkTarget is null)
                {
                    return null;
                }

                var rest = pending.ToList();
                var target = linkTarget.StartsWith('/') ? Normalize(linkTarget) : [.. resolved, .. linkTarget.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".")];
                pending = new Queue<string>([.. target, .. rest]);
                resolved.Clear();
                current = Roots();
                continue;
            }

            if (kind != ImageEntryKind.Directory && pending.Count > 0)
            {
                return null;
            }

            resolved.Add(name);
            current = next;
            if (pending.Count == 0)
            {
                return new Found(kind.Value, next);
            }
        }

        return new Found(ImageEntryKind.Directory, current);
    }

    /// <summary>The merged directory at an already resolved path (no symlinks in it), for "..".</summary>
    private List<string>? Walk(List<string> resolved)
    {
        var found = resolved.Count == 0 ? new Found(ImageEntryKind.Directory, Roots()) : Lookup("/" + string.Join('/', resolved));
        return found is { Kind: ImageEntryKind.Directory } f ? [.. f.HostPaths] : null;
    }

    /// <summary>The layers' root directories that make up the image root: all of them, unless one is opaque.</summary>
    private List<string> Roots()
    {
        var roots = new List<string>();
        foreach (var layer in layerDirsTopFirst)
        {
            roots.Add(layer);
            if (_fs.IsOpaque(layer))
            {
                break;
            }
        }

        return roots;
    }

    private static string[] Normalize(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();

    private sealed record Found(ImageEntryKind Kind, List<string> HostPaths);
}
