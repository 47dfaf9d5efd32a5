using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Streams;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// <c>runc exec</c> / <c>crun exec</c> with a process.json derived from the container's own process
/// (same capabilities, no-new-privileges, environment), so an exec is no more privileged than the
/// container. Without a tty runc runs in the foreground with three pipes and exits with the process's
/// code. With a tty runc must detach and hand the pty master over the console socket; the agent, as
/// <see cref="Subreaper"/>, then waits for the orphaned process itself.
/// </summary>
internal sealed class ExecRunner
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);
    private readonly OciRuntimeBinary _binary;
    private readonly string _consoleSocketDir;

    public ExecRunner(OciRuntimeBinary binary, string consoleSocketDir)
    {
        _binary = binary;
        _consoleSocketDir = consoleSocketDir;
    }

    public async Task<int> RunAsync(ContainerPaths paths, ExecSpec request, CancellationToken cancellationToken)
    {
        if (request.Args.Count == 0)
        {
            throw new ArgumentException("exec needs a command");
        }

        var name = "exec-" + Guid.NewGuid().ToString("N")[..12];
        var processFile = Path.Combine(paths.Dir, name + ".json");
        var pidFile = Path.Combine(paths.Dir, name + ".pid");
        await File.WriteAllTextAsync(processFile, ProcessJson(paths, request).ToJsonString(), cancellationToken);
        try
        {
            return request.Tty
                ? await RunTtyAsync(paths, request, processFile, pidFile, name, cancellationToken)
                : await RunPipesAsync(paths, request, processFile, pidFile, cancellationToken);
        }
        finally
        {
            File.Delete(processFile);
            File.Delete(pidFile);
            File.Delete(Path.Combine(paths.Dir, name + ".err"));
        }
    }

    /// <summary>The container's process section with the exec's args, env, cwd, user and terminal.</summary>
    public static JsonObject ProcessJson(ContainerPaths paths, ExecSpec request)
    {
        var config = JsonNode.Parse(File.ReadAllText(paths.Config))!.AsObject();
        var process = config["process"]!.DeepClone().AsObject();
        process["args"] = new JsonArray(request.Args.Select(a => (JsonNode)JsonValue.Create(a)).ToArray());
        var env = process["env"]?.AsArray() ?? [];
        foreach (var e in request.Env)
        {
            env.Add(e);
        }

        process["env"] = env.DeepClone();
        process["terminal"] = request.Tty;
        process.Remove("oomScoreAdj");
        if (request.WorkingDir is { } cwd)
        {
            process["cwd"] = cwd;
        }

        if (request.User is { } user)
        {
            var u = new JsonObject { ["uid"] = user.Uid, ["gid"] = user.Gid };
            if (user.AdditionalGids is { Count: > 0 } gids)
            {
                u["additionalGids"] = new JsonArray(gids.Select(g => (JsonNode)JsonValue.Create(g)).ToArray());
            }

            process["user"] = u;
        }

        if (request.Tty && request.InitialSize is { } size)
        {
            process["consoleSize"] = new JsonObject { ["height"] = size.Height, ["width"] = size.Width };
        }

        return process;
    }

    private async Task<int> RunPipesAsync(ContainerPaths paths, ExecSpec request, string processFile, string pidFile, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(_binary.Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in _binary.GlobalArgs.Concat(["exec", "--process", processFile, "--pid-file", pidFile, paths.Id]))
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new ContainerRuntimeException($"cannot start {_binary.Path}");
        var stdout = CopyAsync(process.StandardOutput.BaseStream, request.Stdout);
        var stderr = CopyAsync(process.StandardError.BaseStream, request.Stderr);
        using var stdinDone = new CancellationTokenSource();
        var stdin = FeedStdinAsync(process.StandardInput.BaseStream, request.Stdin, stdinDone.Token);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Kill the exec'd process and let runc, its parent, reap it and exit. Killing runc first
            // would orphan the process to the nearest subreaper (possibly this agent, see Subreaper),
            // and an unreaped process in the container's PID namespace keeps its init from dying.
            var deadline = Environment.TickCount64 + 10_000;
            while (!process.HasExited && Environment.TickCount64 < deadline)
            {
                KillExecProcess(pidFile);
                await Task.WhenAny(process.WaitForExitAsync(CancellationToken.None), Task.Delay(50, CancellationToken.None));
            }

            if (!process.HasExited)
            {
                process.Kill();
            }

            await stdinDone.CancelAsync();
            throw;
        }

        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(DrainTimeout, CancellationToken.None));
        await stdinDone.CancelAsync();
        await stdin;
        return process.ExitCode;
    }

    private async Task<int> RunTtyAsync(ContainerPaths paths, ExecSpec request, string processFile, string pidFile, string name, CancellationToken cancellationToken)
    {
        Subreaper.Ensure();
        var errFile = Path.Combine(paths.Dir, name + ".err");
        using var socket = new ConsoleSocket(Path.Combine(_consoleSocketDir, name + ".sock"));
        var receive = socket.ReceiveMasterAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var runtimePid = NativeProcess.Spawn(
            _binary.Path,
            [.. _binary.GlobalArgs, "exec", "-d", "--tty", "--console-socket", socket.Path, "--pid-file", pidFile, "--process", processFile, paths.Id],
            stdio: (null, null, errFile));
        var runtimeExit = Task.Factory.StartNew(() => NativeProcess.Wait(runtimePid), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (await Task.WhenAny(receive, runtimeExit) == runtimeExit && await runtimeExit != 0)
        {
            var error = File.Exists(errFile) ? (await File.ReadAllTextAsync(errFile, CancellationToken.None)).Trim() : "";
            throw new ContainerRuntimeException($"{_binary.Name} exec in {paths.Id} failed (exit {await runtimeExit}): {error}");
        }

        var master = await receive;
        try
        {
            // The size goes in process.json (consoleSize) too, but crun applies it after handing out the pty:
            // set it as soon as the master is here, before any input is forwarded.
            if (request.InitialSize is { } size)
            {
                SetSize(master, size);
            }

            var code = await runtimeExit;
            if (code != 0)
            {
                var error = File.Exists(errFile) ? (await File.ReadAllTextAsync(errFile, CancellationToken.None)).Trim() : "";
                throw new ContainerRuntimeException($"{_binary.Name} exec in {paths.Id} failed (exit {code}): {error}");
            }

            var pid = int.Parse((await File.ReadAllTextAsync(pidFile, cancellationToken)).Trim(), CultureInfo.InvariantCulture);
            var exited = Task.Factory.StartNew(() => NativeProcess.Wait(pid), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            using var stop = new CancellationTokenSource();
            var output = Task.Factory.StartNew(() => PumpOutput(master, request.Stdout, exited, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
            var input = request.Stdin is null ? Task.CompletedTask : PumpInputAsync(request.Stdin, master, stop.Token);
            var resize = request.Resize is null ? Task.CompletedTask : PumpResizeAsync(request.Resize, master, stop.Token);
            int? exitCode;
            try
            {
                exitCode = await exited.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Native.kill(pid, 9);
                await exited;
                throw;
            }
            finally
            {
                await Task.WhenAny(output, Task.Delay(DrainTimeout * 2, CancellationToken.None));
                await stop.CancelAsync();
                // The pumps stop within one poll interval; the master is closed only after them.
                await Task.WhenAny(Task.WhenAll(output, input, resize), Task.Delay(DrainTimeout, CancellationToken.None));
            }

            return exitCode ?? throw new ContainerRuntimeException($"exec process {pid} in {paths.Id} was not reparented to this process; its exit code is lost");
        }
        finally
        {
            Native.close(master);
        }
    }

    private static unsafe void SetSize(int master, TerminalSize size)
    {
        var ws = new Native.WinSize { Rows = size.Height, Cols = size.Width };
        Native.ioctl(master, Native.TiocSWinSz, &ws);
    }

    /// <summary>Copies the pty master to <paramref name="sink"/> until the slave side is closed (EIO) or, once the process has exited, no more output comes.</summary>
    private static async Task PumpOutput(int master, Stream? sink, Task exited, CancellationToken cancellationToken)
    {
        var buffer = new byte[16384];
        while (!cancellationToken.IsCancellationRequested)
        {
            var n = ReadSome(master, buffer, 50);
            if (n == -1)
            {
                if (exited.IsCompleted)
                {
                    return;
                }

                continue;
            }

            if (n <= 0)
            {
                // EIO: every slave descriptor is closed; HUP without data: the same.
                return;
            }

            if (sink is not null)
            {
                await sink.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None);
                await sink.FlushAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for data: the byte count, -1 on timeout, 0 at end (EIO/HUP), -2 on error.</summary>
    private static unsafe int ReadSome(int fd, byte[] buffer, int timeoutMs)
    {
        var pfd = new Native.PollFd { Fd = fd, Events = Native.PollIn };
        var rc = Native.poll(&pfd, 1, timeoutMs);
        if (rc == 0)
        {
            return -1;
        }

        if (rc < 0)
        {
            return Native.Errno == Native.EIntr ? -1 : -2;
        }

        if ((pfd.REvents & Native.PollIn) == 0)
        {
            return 0;
        }

        fixed (byte* p = buffer)
        {
            var n = Native.read(fd, p, buffer.Length);
            if (n < 0)
            {
                return Native.Errno is Native.EIntr or Native.EAgain ? -1 : 0;
            }

            return (int)n;
        }
    }

    private static async Task PumpInputAsync(Stream source, int master, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = await source.ReadAsync(buffer, cancellationToken);
                if (n == 0)
                {
                    return;
                }

                WriteAll(master, buffer.AsSpan(0, n));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    private static unsafe void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = Native.write(fd, p + done, data.Length - done);
                if (n < 0)
                {
                    if (Native.Errno == Native.EIntr)
                    {
                        continue;
                    }

                    throw new IOException($"write to pty: {Native.ErrorText(Native.Errno)}");
                }

                done += (int)n;
            }
        }
    }

    private static async Task PumpResizeAsync(System.Threading.Channels.ChannelReader<TerminalSize> sizes, int master, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var size in sizes.ReadAllAsync(cancellationToken))
            {
                SetSize(master, size);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task CopyAsync(Stream source, Stream? sink)
    {
        var buffer = new byte[16384];
        while (true)
        {
            var n = await source.ReadAsync(buffer, CancellationToken.None);
            if (n == 0)
            {
                return;
            }

            if (sink is not null)
            {
                await sink.WriteAsync(buffer.AsMemory(0, n), CancellationToken.None);
                await sink.FlushAsync(CancellationToken.None);
            }
        }
    }

    private static async Task FeedStdinAsync(Stream processStdin, Stream? source, CancellationToken cancellationToken)
    {
        try
        {
            if (source is not null)
            {
                await source.CopyToAsync(processStdin, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
        finally
        {
            try
            {
                processStdin.Close();
            }
            catch (IOException)
            {
            }
        }
    }

    private static void KillExecProcess(string pidFile)
    {
        try
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && pid > 0)
            {
                Native.kill(pid, 9);
            }
        }
        catch (IOException)
        {
        }
    }
}
