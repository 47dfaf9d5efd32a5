using System.Text;
using System.Text.Json;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Starts one conmon per container (https://github.com/containers/conmon). conmon forks twice and
/// returns at once; its daemon child runs <c>RUNTIME create</c>, reports the container's pid (or the
/// runtime's error) on the sync pipe given as <c>_OCI_SYNCPIPE</c>, then stays as the container's
/// parent: it writes the CRI log, records the exit code in <c>--exit-dir</c>, and an <c>oom</c> file
/// in <c>--persist-dir</c> after an OOM kill. stdio is /dev/null, never a pipe: the daemon and the
/// container would hold a pipe open forever.
/// </summary>
internal static class ConmonLauncher
{
    public sealed record Request(
        string ConmonPath,
        OciRuntimeBinary Runtime,
        string Id,
        string Name,
        ContainerPaths Paths,
        string LogPath,
        string SocketDir,
        bool Tty,
        bool Stdin,
        long? LogSizeMax);

    /// <summary>The arguments conmon gets (also shown in errors).</summary>
    public static List<string> Arguments(Request r)
    {
        var args = new List<string>
        {
            "--api-version", "1",
            "-c", r.Id,
            "-u", r.Id,
            "-n", r.Name,
            "-r", r.Runtime.Path,
            "-b", r.Paths.Dir,
            "-p", r.Paths.PidFile,
            "-P", r.Paths.ConmonPidFile,
            "-l", "k8s-file:" + r.LogPath,
            "--exit-dir", r.Paths.ExitDir,
            "--persist-dir", r.Paths.Dir,
            "--socket-dir-path", r.SocketDir,
            "--runtime-arg", "--root=" + r.Runtime.Root,
            "--runtime-arg", "--log=" + r.Paths.RuntimeLog,
            "--runtime-arg", "--log-format=json",
        };
        if (r.Tty)
        {
            args.Add("-t");
        }

        if (r.Stdin)
        {
            args.Add("-i");
        }

        if (r.LogSizeMax is { } max)
        {
            args.Add("--log-size-max");
            args.Add(max.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return args;
    }

    /// <summary>Launches conmon and waits (up to <paramref name="timeout"/>) until the runtime has created the container; returns its init pid.</summary>
    public static async Task<int> StartAsync(Request r, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(r.Paths.ExitDir);
        Directory.CreateDirectory(r.SocketDir);
        var logDir = Path.GetDirectoryName(r.LogPath);
        if (!string.IsNullOrEmpty(logDir))
        {
            Directory.CreateDirectory(logDir);
        }

        var env = NativeProcess.CurrentEnvironment();
        env.Remove("NOTIFY_SOCKET");
        env.Remove("LISTEN_PID");
        env.Remove("LISTEN_FDS");
        env["_OCI_SYNCPIPE"] = "3";

        var (readFd, writeFd) = NativeProcess.Pipe();
        int pid;
        try
        {
            pid = NativeProcess.Spawn(r.ConmonPath, Arguments(r), env, r.Paths.Dir, inherit: [(writeFd, 3)]);
        }
        catch
        {
            Native.close(readFd);
            Native.close(writeFd);
            throw;
        }

        Native.close(writeFd);
        // conmon's first process exits as soon as its daemon child is forked: reap it.
        var parentExit = Task.Factory.StartNew(() => NativeProcess.Wait(pid), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        string? line;
        try
        {
            // A dedicated thread: a burst of creates must not park pool threads on blocking reads.
            line = await Task.Factory.StartNew(() => ReadLine(readFd, timeout, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            Native.close(readFd);
        }

        var conmonExit = await parentExit;
        if (line is null)
        {
            throw new ContainerRuntimeException(
                $"conmon for {r.Id} ended without reporting the container (conmon exit {conmonExit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}): {RuntimeLogTail(r.Paths.RuntimeLog)}");
        }

        using var doc = JsonDocument.Parse(line);
        var data = doc.RootElement.GetProperty("data").GetInt32();
        if (data <= 0)
        {
            var message = doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null;
            throw new ContainerRuntimeException($"{r.Runtime.Name} create {r.Id} failed: {(string.IsNullOrWhiteSpace(message) ? RuntimeLogTail(r.Paths.RuntimeLog) : message.Trim())}");
        }

        return data;
    }

    /// <summary>The last error the runtime logged (its --log file holds JSON lines with a "msg").</summary>
    public static string RuntimeLogTail(string path)
    {
        try
        {
            var lines = File.ReadAllLines(path).Where(l => l.Length > 0).TakeLast(3).ToList();
            var messages = new List<string>();
            foreach (var l in lines)
            {
                try
                {
                    using var d = JsonDocument.Parse(l);
                    messages.Add(d.RootElement.TryGetProperty("msg", out var msg) ? msg.GetString() ?? l : l);
                }
                catch (JsonException)
                {
                    messages.Add(l);
                }
            }

            return messages.Count == 0 ? "(the runtime logged nothing)" : string.Join("; ", messages);
        }
        catch (IOException)
        {
            return "(no runtime log)";
        }
    }

    /// <summary>Reads one '\n'-terminated line from a pipe with a deadline; null at end of file.</summary>
    private static unsafe string? ReadLine(int fd, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var buffer = new List<byte>(128);
        var chunk = stackalloc byte[256];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var remaining = deadline - Environment.TickCount64;
            if (remaining <= 0)
            {
                throw new TimeoutException($"the container was not created within {timeout}");
            }

            var pfd = new Native.PollFd { Fd = fd, Events = Native.PollIn };
            var rc = Native.poll(&pfd, 1, (int)Math.Min(remaining, 100));
            if (rc < 0)
            {
                if (Native.Errno == Native.EIntr)
                {
                    continue;
                }

                throw new IOException($"poll: {Native.ErrorText(Native.Errno)}");
            }

            if (rc == 0)
            {
                continue;
            }

            var n = Native.read(fd, chunk, 256);
            if (n < 0)
            {
                if (Native.Errno is Native.EIntr or Native.EAgain)
                {
                    continue;
                }

                throw new IOException($"read: {Native.ErrorText(Native.Errno)}");
            }

            if (n == 0)
            {
                return buffer.Count == 0 ? null : Encoding.UTF8.GetString(buffer.ToArray());
            }

            for (var i = 0; i < n; i++)
            {
                if (chunk[i] == (byte)'\n')
                {
                    return Encoding.UTF8.GetString(buffer.ToArray());
                }

                buffer.Add(chunk[i]);
            }
        }
    }
}
