using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Build;

/// <summary>
/// Turns a directory into a gzip-compressed layer blob in the store. With
/// <c>overlayUpper: true</c> the directory is an overlayfs upper dir and its markers become OCI
/// whiteouts (a 0,0 character device → <c>.wh.NAME</c>; <c>trusted.overlay.opaque=y</c> →
/// <c>DIR/.wh..wh..opq</c>), the inverse of <see cref="LayerUnpacker"/>. Entries are sorted by path;
/// hard links (same inode) are written once and linked after; ownership, modes, mtimes and
/// <c>security.capability</c> are kept.
/// </summary>
public static class LayerWriter
{
    public static (OciDescriptor Layer, string DiffId) Write(ImageStore store, string dir, bool overlayUpper)
    {
        var tmp = store.Blobs.TempPath();
        string digest, diffId;
        long size;
        try
        {
            using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using var compressedHash = new HashingStream(file, leaveOpen: true);
                using (var gzip = new GZipStream(compressedHash, CompressionLevel.Fastest, leaveOpen: true))
                using (var tarHash = new HashingStream(gzip, leaveOpen: true))
                {
                    using (var writer = new TarWriter(tarHash, TarEntryFormat.Pax, leaveOpen: true))
                    {
                        var links = new Dictionary<(ulong, ulong), string>();
                        WriteTree(writer, dir, "", overlayUpper, links);
                    }
                    diffId = tarHash.Digest();
                }
                digest = compressedHash.Digest();
                size = compressedHash.BytesHashed;
            }
            store.Blobs.Adopt(tmp, digest);
        }
        finally
        {
            File.Delete(tmp);
        }
        return (new OciDescriptor { MediaType = MediaTypes.OciLayerGzip, Digest = digest, Size = size }, diffId);
    }

    /// <summary>True when the directory has no entries at all (a RUN that changed nothing).</summary>
    public static bool IsEmpty(string dir) => !Directory.EnumerateFileSystemEntries(dir).Any();

    private static void WriteTree(TarWriter writer, string root, string rel, bool overlayUpper, Dictionary<(ulong, ulong), string> links)
    {
        var abs = rel.Length == 0 ? root : Path.Combine(root, rel);
        var names = Directory.EnumerateFileSystemEntries(abs).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var childRel = rel.Length == 0 ? name : rel + "/" + name;
            var path = Path.Combine(abs, name);
            var st = Syscalls.Lstat(path);
            var type = st.Mode & Syscalls.SIfMt;
            var mtime = DateTimeOffset.FromUnixTimeSeconds(st.Mtime.Sec).AddTicks(st.Mtime.Nsec / 100);
            if (overlayUpper && type == Syscalls.SIfChr && st.Rdev == 0)
            {
                var parent = rel.Length == 0 ? "" : rel + "/";
                var wh = new PaxTarEntry(TarEntryType.RegularFile, parent + LayerUnpacker.WhiteoutPrefix + name)
                {
                    Mode = 0, ModificationTime = mtime,
                };
                writer.WriteEntry(wh);
                continue;
            }
            PaxTarEntry entry;
            switch (type)
            {
                case Syscalls.SIfDir:
                    entry = new PaxTarEntry(TarEntryType.Directory, childRel + "/", Xattrs(path));
                    break;
                case Syscalls.SIfReg when st.Nlink > 1 && links.TryGetValue((st.Dev, st.Ino), out var first):
                    entry = new PaxTarEntry(TarEntryType.HardLink, childRel) { LinkName = first };
                    break;
                case Syscalls.SIfReg:
                    if (st.Nlink > 1)
                    {
                        links[(st.Dev, st.Ino)] = childRel;
                    }
                    entry = new PaxTarEntry(TarEntryType.RegularFile, childRel, Xattrs(path));
                    break;
                case Syscalls.SIfLnk:
                    entry = new PaxTarEntry(TarEntryType.SymbolicLink, childRel) { LinkName = new FileInfo(path).LinkTarget ?? "" };
                    break;
                case Syscalls.SIfChr or Syscalls.SIfBlk:
                    entry = new PaxTarEntry(type == Syscalls.SIfChr ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice, childRel)
                    {
                        DeviceMajor = (int)Syscalls.Major(st.Rdev), DeviceMinor = (int)Syscalls.Minor(st.Rdev),
                    };
                    break;
                case Syscalls.SIfIfo:
                    entry = new PaxTarEntry(TarEntryType.Fifo, childRel);
                    break;
                default:
                    continue; // sockets are not archived (tar cannot hold them; Docker skips them too)
            }
            entry.Mode = (UnixFileMode)(st.Mode & 0xFFF);
            entry.Uid = (int)st.Uid;
            entry.Gid = (int)st.Gid;
            entry.ModificationTime = mtime;
            if (entry.EntryType == TarEntryType.RegularFile)
            {
                using var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                entry.DataStream = data;
                writer.WriteEntry(entry);
            }
            else
            {
                writer.WriteEntry(entry);
            }
            if (type == Syscalls.SIfDir)
            {
                if (overlayUpper && Syscalls.Lgetxattr(path, LayerUnpacker.OpaqueXattr) is [(byte)'y', ..])
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, childRel + "/" + LayerUnpacker.OpaqueMarker) { Mode = 0, ModificationTime = mtime });
                }
                WriteTree(writer, root, childRel, overlayUpper, links);
            }
        }
    }

    private static Dictionary<string, string> Xattrs(string path)
    {
        var result = new Dictionary<string, string>();
        if (Syscalls.Lgetxattr(path, "security.capability") is { } cap)
        {
            result["SCHILY.xattr.security.capability"] = Encoding.Latin1.GetString(cap);
        }
        return result;
    }
}
