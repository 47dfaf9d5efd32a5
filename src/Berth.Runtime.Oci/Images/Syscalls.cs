using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Berth.Runtime.Oci.Images;

/// <summary>
/// The few libc calls .NET has no API for: ownership without following links, device nodes,
/// extended attributes, link timestamps, hard links, <c>lstat</c>, <c>flock</c>, mounts.
/// Layouts are those of glibc on x86_64 (Berth runs linux/amd64 only).
/// </summary>
internal static class Syscalls
{
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int LockSh = 1;
    public const int LockEx = 2;
    public const int LockUn = 8;
    public const int MntDetach = 2;
    public const uint SIfMt = 0xF000;
    public const uint SIfSock = 0xC000;
    public const uint SIfLnk = 0xA000;
    public const uint SIfReg = 0x8000;
    public const uint SIfBlk = 0x6000;
    public const uint SIfDir = 0x4000;
    public const uint SIfChr = 0x2000;
    public const uint SIfIfo = 0x1000;
    private const int ENoData = 61;
    private const int ERange = 34;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Stat
    {
        public ulong Dev;
        public ulong Ino;
        public ulong Nlink;
        public uint Mode;
        public uint Uid;
        public uint Gid;
        public int Pad0;
        public ulong Rdev;
        public long Size;
        public long Blksize;
        public long Blocks;
        public Timespec Atime;
        public Timespec Mtime;
        public Timespec Ctime;
        public long Reserved0;
        public long Reserved1;
        public long Reserved2;
    }

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static extern int LchownRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int uid, int gid);

    [DllImport("libc", EntryPoint = "chmod", SetLastError = true)]
    private static extern int ChmodRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", EntryPoint = "mknod", SetLastError = true)]
    private static extern int MknodRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, ulong dev);

    [DllImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    private static extern int LsetxattrRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

    [DllImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    private static extern nint LgetxattrRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[]? value, nuint size);

    [DllImport("libc", EntryPoint = "utimensat", SetLastError = true)]
    private static extern int UtimensatRaw(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, Timespec[] times, int flags);

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int LinkRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    [DllImport("libc", EntryPoint = "lstat", SetLastError = true)]
    private static extern int LstatRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out Stat stat);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int FlockRaw(int fd, int operation);

    [DllImport("libc", EntryPoint = "mount", SetLastError = true)]
    private static extern int MountRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string source, [MarshalAs(UnmanagedType.LPUTF8Str)] string target, [MarshalAs(UnmanagedType.LPUTF8Str)] string fstype, ulong flags, [MarshalAs(UnmanagedType.LPUTF8Str)] string? data);

    [DllImport("libc", EntryPoint = "umount2", SetLastError = true)]
    private static extern int Umount2Raw([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int flags);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenRaw([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "geteuid")]
    public static extern uint Geteuid();

    private static void Check(int rc, string what, string path)
    {
        if (rc != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{what} {path}: {new Win32Exception(errno).Message}", errno);
        }
    }

    public static void Lchown(string path, int uid, int gid) => Check(LchownRaw(path, uid, gid), "lchown", path);

    /// <summary>chmod(2); follows symlinks, so never call it on one.</summary>
    public static void Chmod(string path, uint mode) => Check(ChmodRaw(path, mode), "chmod", path);

    public static void Mknod(string path, uint mode, ulong dev) => Check(MknodRaw(path, mode, dev), "mknod", path);

    public static void Lsetxattr(string path, string name, byte[] value) => Check(LsetxattrRaw(path, name, value, (nuint)value.Length, 0), "setxattr " + name, path);

    /// <summary>The attribute's value, or null when the file does not have it (or the filesystem has no xattrs).</summary>
    public static byte[]? Lgetxattr(string path, string name)
    {
        var size = LgetxattrRaw(path, name, null, 0);
        if (size < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENoData or 95 ? null : throw new IOException($"getxattr {name} {path}: {new Win32Exception(errno).Message}", errno);
        }
        var buffer = new byte[size];
        var n = LgetxattrRaw(path, name, buffer, (nuint)buffer.Length);
        if (n < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == ERange ? Lgetxattr(path, name) : null;
        }
        return buffer[..(int)n];
    }

    /// <summary>Sets access and modification time without following a final symlink.</summary>
    public static void SetTimes(string path, DateTimeOffset mtime)
    {
        var ticks = mtime.ToUnixTimeMilliseconds();
        var ts = new Timespec { Sec = Math.DivRem(ticks, 1000, out var ms), Nsec = ms * 1_000_000 };
        if (ms < 0)
        {
            ts = new Timespec { Sec = ts.Sec - 1, Nsec = (ms + 1000) * 1_000_000 };
        }
        Check(UtimensatRaw(AtFdCwd, path, [ts, ts], AtSymlinkNoFollow), "utimensat", path);
    }

    public static void Link(string existing, string newPath) => Check(LinkRaw(existing, newPath), "link " + existing + " ->", newPath);

    public static Stat Lstat(string path)
    {
        Check(LstatRaw(path, out var st), "lstat", path);
        return st;
    }

    /// <summary>Opens (creating) a file for locking: <c>open(O_RDWR|O_CREAT|O_CLOEXEC, 0644)</c>. .NET's own
    /// FileStream would take a non-blocking flock of its own at open and fail instead of waiting.</summary>
    public static int OpenLockFile(string path)
    {
        var fd = OpenRaw(path, 0x2 | 0x40 | 0x80000, 0x1A4);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"open {path}: {new Win32Exception(errno).Message}", errno);
        }
        return fd;
    }

    public static void Flock(int fd, int operation, string path) => Check(FlockRaw(fd, operation), "flock", path);

    public static void Mount(string source, string target, string fstype, ulong flags, string? data) => Check(MountRaw(source, target, fstype, flags, data), "mount " + fstype + " on", target);

    public static void Unmount(string target, int flags) => Check(Umount2Raw(target, flags), "umount", target);

    /// <summary>glibc's <c>makedev</c>.</summary>
    public static ulong MakeDev(long major, long minor) =>
        (((ulong)major & 0xfffff000UL) << 32) | (((ulong)major & 0xfffUL) << 8) | (((ulong)minor & 0xffffff00UL) << 12) | ((ulong)minor & 0xffUL);

    public static long Major(ulong dev) => (long)(((dev >> 32) & 0xfffff000UL) | ((dev >> 8) & 0xfffUL));

    public static long Minor(ulong dev) => (long)(((dev >> 12) & 0xffffff00UL) | (dev & 0xffUL));
}
