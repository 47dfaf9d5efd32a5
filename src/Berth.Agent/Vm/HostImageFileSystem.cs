using System.Runtime.InteropServices;

namespace Berth.Agent.Vm;

/// <summary><see cref="IImageFileSystem"/> on the host: <c>lstat</c> for the entry type (a whiteout is a 0,0 character device) and <c>lgetxattr</c> for the opaque marker.</summary>
internal sealed partial class HostImageFileSystem : IImageFileSystem
{
    private const uint TypeMask = 0xF000;
    private const uint RegularFile = 0x8000;
    private const uint Directory = 0x4000;
    private const uint Symlink = 0xA000;
    private const uint CharacterDevice = 0x2000;

    public static HostImageFileSystem Instance { get; } = new();

    public ImageEntryKind KindOf(string hostPath)
    {
        // struct stat on x86-64 Linux: st_mode (u32) at offset 24, st_rdev (u64) at offset 40; 144 bytes in all.
        var buffer = new byte[256];
        if (Lstat(hostPath, buffer) != 0)
        {
            return ImageEntryKind.Missing;
        }

        var mode = BitConverter.ToUInt32(buffer, 24);
        var rdev = BitConverter.ToUInt64(buffer, 40);
        return (mode & TypeMask) switch
        {
            RegularFile => ImageEntryKind.File,
            Directory => ImageEntryKind.Directory,
            Symlink => ImageEntryKind.Symlink,
            CharacterDevice when rdev == 0 => ImageEntryKind.Whiteout,
            _ => ImageEntryKind.Other,
        };
    }

    public bool IsOpaque(string hostDirectory)
    {
        var value = new byte[8];
        var n = Lgetxattr(hostDirectory, "trusted.overlay.opaque", value, (nuint)value.Length);
        return n == 1 && value[0] == (byte)'y';
    }

    public string? ReadLink(string hostPath)
    {
        try
        {
            return new FileInfo(hostPath).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public IEnumerable<string> List(string hostDirectory)
    {
        try
        {
            return System.IO.Directory.EnumerateFileSystemEntries(hostDirectory).Select(p => Path.GetFileName(p)).ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Lstat(string path, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "lgetxattr", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint Lgetxattr(string path, string name, [Out] byte[] value, nuint size);
}
