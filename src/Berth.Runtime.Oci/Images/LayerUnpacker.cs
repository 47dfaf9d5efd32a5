using System.Formats.Tar;
using System.Text;

namespace Berth.Runtime.Oci.Images;

/// <summary>
/// Unpacks one layer tar (gzip or plain) into a directory that overlayfs can use as a lowerdir, as
/// containerd's <c>archive.Apply</c> with the overlay converter does:
/// <list type="bullet">
/// <item>a whiteout <c>dir/.wh.NAME</c> becomes a 0,0 character device <c>dir/NAME</c>;</item>
/// <item>an opaque marker <c>dir/.wh..wh..opq</c> becomes the xattr <c>trusted.overlay.opaque=y</c> on <c>dir</c>;</item>
/// <item>hard links, symlinks, devices, fifos, ownership, modes (incl. setuid/sticky), mtimes and
/// <c>SCHILY.xattr.*</c> PAX attributes are kept;</item>
/// <item>an entry whose path leaves the root (<c>..</c>), that would be written through a symlink,
/// or a hard link to outside the root, is refused: the whole layer fails.</item>
/// </list>
/// The uncompressed stream's sha256 is computed on the way (the layer's DiffID, checked by the caller).
/// Needs root for ownership, devices and trusted.* xattrs.
/// </summary>
public static class LayerUnpacker
{
    public const string WhiteoutPrefix = ".wh.";
    public const string OpaqueMarker = ".wh..wh..opq";
    public const string OpaqueXattr = "trusted.overlay.opaque";

    /// <summary>Unpacks <paramref name="layer"/> into <paramref name="root"/> (created if missing); returns the DiffID and uncompressed size.</summary>
    public static (string DiffId, long Size) Unpack(Stream layer, string root, string what = "layer")
    {
        Directory.CreateDirectory(root);
        root = Path.GetFullPath(root);
        using var tar = LayerCompression.OpenDecompressed(layer, what);
        using var hashing = new HashingStream(tar, leaveOpen: true);
        var dirs = new List<(string Path, TarEntry Entry)>();
        var isRoot = Syscalls.Geteuid() == 0;
        using (var reader = new TarReader(hashing, leaveOpen: true))
        {
            TarEntry? entry;
            while ((entry = Next(reader, what)) is not null)
            {
                ApplyEntry(root, entry, dirs, isRoot, what);
            }
        }
        hashing.CopyTo(Stream.Null);
        // Directories last and deepest first, so that a read-only mode or an mtime is not undone by later writes inside.
        foreach (var (path, entry) in dirs.OrderByDescending(d => d.Path.Length))
        {
            SetMetadata(path, entry, isRoot, isSymlink: false);
        }
        return (hashing.Digest(), hashing.BytesHashed);
    }

    private static TarEntry? Next(TarReader reader, string what)
    {
        try
        {
            return reader.GetNextEntry(copyData: false);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new ImageStoreException($"{what}: not a valid tar archive: {e.Message}", e);
        }
    }

    /// <summary>
    /// The entry's path relative to the root, cleaned like Go's <c>filepath.Clean</c>; null for the root
    /// itself. Throws when the path climbs above the root.
    /// </summary>
    public static string? CleanRelative(string name, string what)
    {
        var parts = new List<string>();
        foreach (var part in name.Replace('\\', '/').Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    throw new ImageStoreException($"{what}: refusing entry \"{name}\": its path escapes the layer root");
                }
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    private static void ApplyEntry(string root, TarEntry entry, List<(string, TarEntry)> dirs, bool isRoot, string what)
    {
        if (entry.EntryType is TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes or TarEntryType.LongPath or TarEntryType.LongLink)
        {
            return;
        }
        var rel = CleanRelative(entry.Name, what);
        if (rel is null)
        {
            if (entry.EntryType == TarEntryType.Directory)
            {
                dirs.Add((root, entry));
            }
            return;
        }
        var parentRel = Path.GetDirectoryName(rel) ?? "";
        var baseName = Path.GetFileName(rel);
        var parent = EnsureParent(root, parentRel, what, entry.Name);
        if (baseName == OpaqueMarker)
        {
            Syscalls.Lsetxattr(parent, OpaqueXattr, "y"u8.ToArray());
            return;
        }
        var path = Path.Combine(parent, baseName);
        if (baseName.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            var hidden = Path.Combine(parent, baseName[WhiteoutPrefix.Length..]);
            RemoveExisting(hidden);
            Syscalls.Mknod(hidden, Syscalls.SIfChr | 0, Syscalls.MakeDev(0, 0));
            return;
        }
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (!IsRealDirectory(path))
                {
                    RemoveExisting(path);
                    Directory.CreateDirectory(path);
                }
                dirs.Add((path, entry));
                SetXattrs(path, entry);
                return;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                RemoveExisting(path);
                using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    entry.DataStream?.CopyTo(output);
                }
                break;
            case TarEntryType.SymbolicLink:
                RemoveExisting(path);
                File.CreateSymbolicLink(path, entry.LinkName);
                SetMetadata(path, entry, isRoot, isSymlink: true);
                return;
            case TarEntryType.HardLink:
            {
                var targetRel = CleanRelative(entry.LinkName, what)
                    ?? throw new ImageStoreException($"{what}: refusing hard link \"{entry.Name}\" to the layer root");
                var targetParent = EnsureParent(root, Path.GetDirectoryName(targetRel) ?? "", what, entry.LinkName, create: false);
                var target = Path.Combine(targetParent, Path.GetFileName(targetRel));
                if (!File.Exists(target) && !IsSymlink(target))
                {
                    throw new ImageStoreException($"{what}: hard link \"{entry.Name}\" points to \"{entry.LinkName}\", which is not in the layer before it");
                }
                RemoveExisting(path);
                Syscalls.Link(target, path);
                return;
            }
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
            {
                RemoveExisting(path);
                var type = entry.EntryType switch
                {
                    TarEntryType.CharacterDevice => Syscalls.SIfChr,
                    TarEntryType.BlockDevice => Syscalls.SIfBlk,
                    _ => Syscalls.SIfIfo,
                };
                var dev = entry is PosixTarEntry posix && entry.EntryType != TarEntryType.Fifo
                    ? Syscalls.MakeDev(posix.DeviceMajor, posix.DeviceMinor) : 0UL;
                Syscalls.Mknod(path, type | ((uint)entry.Mode & 0xFFF), dev);
                break;
            }
            default:
                // Sparse files, multi-volume and other exotic GNU types never appear in image layers built by common tools.
                throw new ImageStoreException($"{what}: entry \"{entry.Name}\" has unsupported tar type {entry.EntryType}");
        }
        SetXattrs(path, entry);
        SetMetadata(path, entry, isRoot, isSymlink: false);
    }

    /// <summary>
    /// The absolute parent directory for an entry, creating missing directories (0755). Refuses a
    /// parent that is (or passes through) a symlink: writing through it could land outside the root.
    /// </summary>
    private static string EnsureParent(string root, string parentRel, string what, string entryName, bool create = true)
    {
        var current = root;
        if (parentRel.Length == 0)
        {
            return current;
        }
        foreach (var part in parentRel.Split('/'))
        {
            current = Path.Combine(current, part);
            if (IsSymlink(current))
            {
                throw new ImageStoreException($"{what}: refusing entry \"{entryName}\": it would be written through the symlink \"{Path.GetRelativePath(root, current)}\"");
            }
            if (!Directory.Exists(current))
            {
                if (!create)
                {
                    return current;
                }
                RemoveExisting(current);
                Directory.CreateDirectory(current);
            }
        }
        return current;
    }

    private static bool IsSymlink(string path)
    {
        try
        {
            return (Syscalls.Lstat(path).Mode & Syscalls.SIfMt) == Syscalls.SIfLnk;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool IsRealDirectory(string path)
    {
        try
        {
            return (Syscalls.Lstat(path).Mode & Syscalls.SIfMt) == Syscalls.SIfDir;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void RemoveExisting(string path)
    {
        uint mode;
        try
        {
            mode = Syscalls.Lstat(path).Mode & Syscalls.SIfMt;
        }
        catch (IOException)
        {
            return;
        }
        if (mode == Syscalls.SIfDir)
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }

    private static void SetXattrs(string path, TarEntry entry)
    {
        if (entry is not PaxTarEntry pax)
        {
            return;
        }
        foreach (var (key, value) in pax.ExtendedAttributes)
        {
            if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
            {
                // The value is raw bytes carried as a string (tar's PAX records are UTF-8 for text, Latin-1 for binary in practice).
                var bytes = value.All(c => c < 256) ? Encoding.Latin1.GetBytes(value) : Encoding.UTF8.GetBytes(value);
                try
                {
                    Syscalls.Lsetxattr(path, key["SCHILY.xattr.".Length..], bytes);
                }
                catch (IOException)
                {
                    // Attributes the filesystem or namespace refuses (e.g. security.selinux) are dropped, as containerd does for ENOTSUP.
                }
            }
        }
    }

    private static void SetMetadata(string path, TarEntry entry, bool isRoot, bool isSymlink)
    {
        if (isRoot)
        {
            Syscalls.Lchown(path, entry.Uid, entry.Gid);
        }
        if (!isSymlink)
        {
            Syscalls.Chmod(path, (uint)entry.Mode);
        }
        Syscalls.SetTimes(path, entry.ModificationTime);
    }
}
