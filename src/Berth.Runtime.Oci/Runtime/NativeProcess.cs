using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Starts a process with posix_spawn, for the two cases <see cref="System.Diagnostics.Process"/>
/// cannot do: handing the child an extra descriptor (conmon's <c>_OCI_SYNCPIPE</c>) and giving it
/// /dev/null or a file as stdio without a pipe the child's descendants would keep open. Signal
/// dispositions are reset and the signal mask cleared in the child (.NET ignores SIGPIPE; a container
/// must not inherit that). Every descriptor .NET opens is close-on-exec, so the child gets exactly
/// stdio plus the mapped descriptors.
/// </summary>
internal static unsafe class NativeProcess
{
    /// <summary>
    /// Spawns <paramref name="path"/>. <paramref name="stdio"/>: files opened in the child as fd 0, 1, 2
    /// (null: /dev/null). <paramref name="inherit"/>: parent descriptors dup'ed to the given child
    /// numbers (3 and up). Returns the child's pid; the caller must reap it (<see cref="Wait"/>).
    /// </summary>
    public static int Spawn(
        string path,
        IReadOnlyList<string> args,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        (string? In, string? Out, string? Err) stdio = default,
        IReadOnlyList<(int ParentFd, int ChildFd)>? inherit = null,
        bool newSession = false)
    {
        var env = environment ?? CurrentEnvironment();
        var strings = new List<nint>();
        var fileActions = NativeMemory.AllocZeroed(512);
        var attr = NativeMemory.AllocZeroed(1024);
        var sigset = NativeMemory.AllocZeroed(256);
        byte** argv = null;
        byte** envp = null;
        try
        {
            Check(Native.posix_spawn_file_actions_init(fileActions), "posix_spawn_file_actions_init");
            Check(Native.posix_spawnattr_init(attr), "posix_spawnattr_init");
            var stdioPaths = new[] { stdio.In, stdio.Out, stdio.Err };
            for (var fd = 0; fd < 3; fd++)
            {
                var file = stdioPaths[fd] ?? "/dev/null";
                var flags = fd == 0 ? Native.ORdOnly : Native.OWrOnly | Native.OCreat | Native.OAppend;
                Check(Native.posix_spawn_file_actions_addopen(fileActions, fd, Utf8(file, strings), flags | Native.ONoCtty, 420), "addopen");
            }

            foreach (var (parentFd, childFd) in inherit ?? [])
            {
                Check(Native.posix_spawn_file_actions_adddup2(fileActions, parentFd, childFd), "adddup2");
            }

            if (workingDirectory is not null)
            {
                Check(Native.posix_spawn_file_actions_addchdir_np(fileActions, Utf8(workingDirectory, strings)), "addchdir");
            }

            short spawnFlags = Native.PosixSpawnSetSigDef | Native.PosixSpawnSetSigMask;
            if (newSession)
            {
                spawnFlags |= Native.PosixSpawnSetSid;
            }

            Check(Native.posix_spawnattr_setflags(attr, spawnFlags), "setflags");
            Native.sigfillset(sigset);
            Check(Native.posix_spawnattr_setsigdefault(attr, sigset), "setsigdefault");
            Native.sigemptyset(sigset);
            Check(Native.posix_spawnattr_setsigmask(attr, sigset), "setsigmask");

            argv = (byte**)NativeMemory.AllocZeroed((nuint)(args.Count + 2), (nuint)sizeof(nint));
            argv[0] = Utf8(path, strings);
            for (var i = 0; i < args.Count; i++)
            {
                argv[i + 1] = Utf8(args[i], strings);
            }

            var envList = env.Select(kv => kv.Key + "=" + kv.Value).ToList();
            envp = (byte**)NativeMemory.AllocZeroed((nuint)(envList.Count + 1), (nuint)sizeof(nint));
            for (var i = 0; i < envList.Count; i++)
            {
                envp[i] = Utf8(envList[i], strings);
            }

            int pid;
            var rc = Native.posix_spawn(&pid, argv[0], fileActions, attr, argv, envp);
            if (rc != 0)
            {
                throw new IOException($"cannot start {path}: {Native.ErrorText(rc)}");
            }

            return pid;
        }
        finally
        {
            Native.posix_spawn_file_actions_destroy(fileActions);
            Native.posix_spawnattr_destroy(attr);
            NativeMemory.Free(fileActions);
            NativeMemory.Free(attr);
            NativeMemory.Free(sigset);
            NativeMemory.Free(argv);
            NativeMemory.Free(envp);
            foreach (var s in strings)
            {
                NativeMemory.Free((void*)s);
            }
        }
    }

    /// <summary>
    /// Runs a short-lived command to completion with stdout and stderr captured through pipes (vfork-cheap
    /// posix_spawn rather than a fork of the whole agent). Only for commands that leave no process holding
    /// the pipes. Killed when <paramref name="timeout"/> passes.
    /// </summary>
    public static Task<CommandResult> RunCaptureAsync(string path, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => RunCapture(path, args, timeout, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static CommandResult RunCapture(string path, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (outRead, outWrite) = Pipe();
        var (errRead, errWrite) = Pipe();
        int pid;
        try
        {
            pid = Spawn(path, args, inherit: [(outWrite, 1), (errWrite, 2)]);
        }
        finally
        {
            Native.close(outWrite);
            Native.close(errWrite);
        }

        var sinks = new[] { new MemoryStream(), new MemoryStream() };
        var fds = new[] { outRead, errRead };
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var killed = false;
        var buffer = new byte[8192];
        while (fds[0] >= 0 || fds[1] >= 0)
        {
            if (!killed && (Environment.TickCount64 > deadline || cancellationToken.IsCancellationRequested))
            {
                Native.kill(pid, 9);
                killed = true;
            }

            foreach (var (index, count) in PollRead(fds, buffer, 100))
            {
                if (count > 0)
                {
                    sinks[index].Write(buffer, 0, count);
                }
                else
                {
                    Native.close(fds[index]);
                    fds[index] = -1;
                }
            }
        }

        var stdout = sinks[0];
        var stderr = sinks[1];
        var code = Wait(pid) ?? -1;
        cancellationToken.ThrowIfCancellationRequested();
        if (killed)
        {
            throw new TimeoutException($"{path} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return new CommandResult(code, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for any of the open descriptors (negative ones are skipped) and reads one chunk from the first ready one: (index, bytes), bytes 0 at end of file.</summary>
    private static List<(int Index, int Count)> PollRead(int[] fds, byte[] buffer, int timeoutMs)
    {
        var result = new List<(int, int)>();
        var pfds = stackalloc Native.PollFd[fds.Length];
        for (var i = 0; i < fds.Length; i++)
        {
            pfds[i] = new Native.PollFd { Fd = fds[i], Events = Native.PollIn };
        }

        var rc = Native.poll(pfds, (ulong)fds.Length, timeoutMs);
        if (rc <= 0)
        {
            return result;
        }

        for (var i = 0; i < fds.Length; i++)
        {
            if (fds[i] < 0 || pfds[i].REvents == 0)
            {
                continue;
            }

            fixed (byte* p = buffer)
            {
                var n = Native.read(fds[i], p, buffer.Length);
                if (n < 0 && Native.Errno is Native.EIntr or Native.EAgain)
                {
                    continue;
                }

                result.Add((i, (int)Math.Max(0, n)));
                if (n > 0)
                {
                    // One chunk per call: the caller copies the buffer before the next read.
                    return result;
                }
            }
        }

        return result;
    }

    /// <summary>Blocks until the child exits; returns its exit code (128 + signal when killed), or null when it is not our child (already reaped).</summary>
    public static int? Wait(int pid)
    {
        OrphanReaper.Claim(pid);
        try
        {
            int status;
            while (true)
            {
                var rc = Native.waitpid(pid, &status, 0);
                if (rc == pid)
                {
                    return Native.ExitCodeOf(status);
                }

                var errno = Native.Errno;
                if (rc < 0 && errno == Native.EIntr)
                {
                    continue;
                }

                return null;
            }
        }
        finally
        {
            OrphanReaper.Release(pid);
        }
    }

    /// <summary>Reaps the child if it has exited; returns its exit code, or null when it still runs or is not our child.</summary>
    public static int? TryReap(int pid)
    {
        int status;
        var rc = Native.waitpid(pid, &status, Native.WNoHang);
        return rc == pid ? Native.ExitCodeOf(status) : null;
    }

    /// <summary>A pipe whose ends are both close-on-exec (the child gets one only through <c>inherit</c>).</summary>
    public static (int Read, int Write) Pipe()
    {
        var fds = stackalloc int[2];
        if (Native.pipe2(fds, Native.OCloExec) != 0)
        {
            throw new IOException($"pipe2: {Native.ErrorText(Native.Errno)}");
        }

        return (fds[0], fds[1]);
    }

    public static Dictionary<string, string> CurrentEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            env[(string)e.Key] = (string?)e.Value ?? "";
        }

        return env;
    }

    private static byte* Utf8(string s, List<nint> owned)
    {
        var bytes = Encoding.UTF8.GetByteCount(s);
        var p = (byte*)NativeMemory.Alloc((nuint)bytes + 1);
        fixed (char* c = s)
        {
            Encoding.UTF8.GetBytes(c, s.Length, p, bytes);
        }

        p[bytes] = 0;
        owned.Add((nint)p);
        return p;
    }

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new IOException($"{what}: {Native.ErrorText(rc)}");
        }
    }
}
