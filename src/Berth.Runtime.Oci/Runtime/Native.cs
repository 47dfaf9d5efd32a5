using System.Runtime.InteropServices;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// libc calls .NET does not expose: posix_spawn with fd mapping (conmon's sync pipe), waitpid for
/// processes the agent adopts as subreaper, mount/umount2 (overlay rootfs), recvmsg with SCM_RIGHTS
/// (console socket), ioctl TIOCSWINSZ, poll. Linux x86_64/arm64 glibc layouts.
/// </summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int ORdWr = 2;
    public const int OCreat = 0x40;
    public const int ONoCtty = 0x100;
    public const int OTrunc = 0x200;
    public const int OAppend = 0x400;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;

    public const int WNoHang = 1;
    public const int EIntr = 4;
    public const int ENoEnt = 2;
    public const int ESrch = 3;
    public const int EAgain = 11;
    public const int EBusy = 16;
    public const int EInval = 22;
    public const int EIo = 5;
    public const int EChild = 10;

    public const int PrSetChildSubreaper = 36;
    public const int MntDetach = 2;

    public const short PollIn = 0x1;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;

    public const int PosixSpawnSetSigDef = 0x04;
    public const int PosixSpawnSetSigMask = 0x08;
    public const int PosixSpawnSetSid = 0x80;

    public const uint TiocSWinSz = 0x5414;

    public const int SolSocket = 1;
    public const int ScmRights = 1;

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nint count);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nint count);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int poll(PollFd* fds, ulong nfds, int timeout);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string? source, string target, string? fstype, nuint flags, string? data);

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, WinSize* arg);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial nint recvmsg(int sockfd, MsgHdr* msg, int flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newfd);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawn_file_actions_addopen(void* fileActions, int fd, byte* path, int oflag, uint mode);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawn_file_actions_addchdir_np(void* fileActions, byte* path);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawnattr_init(void* attr);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawnattr_setsigmask(void* attr, void* sigmask);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int posix_spawnattr_setsigdefault(void* attr, void* sigdefault);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int sigemptyset(void* set);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int sigfillset(void* set);

    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int stat(string path, byte* buf);

    [LibraryImport(Libc, SetLastError = true)]
    public static partial int fstat(int fd, byte* buf);

    /// <summary>The inode of a path (st_ino is at offset 8 of struct stat on x86_64 and arm64), or null.</summary>
    public static ulong? Inode(string path)
    {
        var buf = stackalloc byte[256];
        return stat(path, buf) == 0 ? *(ulong*)(buf + 8) : null;
    }

    /// <summary>The inode of an open descriptor, or null.</summary>
    public static ulong? Inode(int fd)
    {
        var buf = stackalloc byte[256];
        return fstat(fd, buf) == 0 ? *(ulong*)(buf + 8) : null;
    }

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>Decodes a wait status like the shell: exit code, or 128 + signal.</summary>
    public static int ExitCodeOf(int status)
    {
        var signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct WinSize
    {
        public ushort Rows;
        public ushort Cols;
        public ushort XPixel;
        public ushort YPixel;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }
}
