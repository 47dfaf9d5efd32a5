using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// <see cref="IContainerRuntime"/> on runc or crun, with one conmon shim per container so that
/// containers outlive the agent (the CRI-O arrangement). All state is on disk (see
/// <see cref="ContainerPaths"/> and docs/runtime-oci.md): a new instance on the same data directory
/// adopts running containers with nothing more than <see cref="ListAsync"/> or <see cref="StatusAsync"/>.
/// </summary>
public sealed class OciRuntime : IContainerRuntime
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly OciRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly Lazy<IReadOnlySet<string>> _hostCaps = new(Capabilities.HostBoundingSet);
    private readonly ExecRunner _exec;
    private int _adoptLogged;

    public OciRuntime(OciRuntimeOptions options, ILogger<OciRuntime>? logger = null, TimeProvider? timeProvider = null)
    {
        _options = options with { DataDir = Path.GetFullPath(options.DataDir) };
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _exec = new ExecRunner(_options.Binary, _options.ConsoleSocketDir);

        // conmon daemonizes by forking twice; as subreaper this process inherits each conmon it starts and
        // reaps it on delete, so no zombie shim lingers (and tty execs need it anyway, see Subreaper).
        Subreaper.Ensure();
    }

    public string Name => _options.Binary.Name;

    public OciRuntimeBinary Binary => _options.Binary;

    /// <summary><c>DataDir/containers</c>: one bundle directory per container.</summary>
    public string ContainersDir => Path.Combine(_options.DataDir, "containers");

    public async Task<ContainerStatus> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var paths = PathsFor(spec.Id);
        using var held = await LockAsync(spec.Id, cancellationToken);
        if (Directory.Exists(paths.Dir))
        {
            throw new ContainerRuntimeException($"container {spec.Id} already exists");
        }

        var config = OciSpecBuilder.Build(spec, "rootfs", _hostCaps.Value, spec.Security.Privileged ? HostDevice.Scan() : null);
        var record = new ContainerRecord
        {
            Id = spec.Id,
            Name = spec.DisplayName,
            SandboxId = spec.SandboxId,
            Runtime = Name,
            LogPath = Path.GetFullPath(spec.LogPath),
            CgroupsPath = OciSpecBuilder.CgroupsPath(spec),
            Annotations = new Dictionary<string, string>(spec.Annotations),
            Tty = spec.Process.Tty,
            CreatedAt = _time.GetUtcNow(),
        };

        Directory.CreateDirectory(paths.Dir);
        long mountedAt = 0, createdAt = 0;
        try
        {
            record.Save(paths.Record);
            await File.WriteAllTextAsync(paths.Config, config.ToJsonString(Indented), cancellationToken);
            OverlayRootfs.Mount(spec.LowerDirs.Select(Path.GetFullPath).ToList(), paths.Upper, paths.Work, paths.Rootfs);
            mountedAt = stopwatch.ElapsedMilliseconds;
            var pid = await ConmonLauncher.StartAsync(
                new ConmonLauncher.Request(_options.ConmonPath, Binary, spec.Id, spec.DisplayName, paths, record.LogPath, _options.SocketDir, spec.Process.Tty, spec.Process.Stdin, _options.LogSizeMax),
                _options.CreateTimeout,
                cancellationToken);
            createdAt = stopwatch.ElapsedMilliseconds;
            var conmonPid = ReadPid(paths.ConmonPidFile);
            record = record with
            {
                Pid = pid,
                PidStartTime = ProcessInfo.StartTime(pid),
                ConmonPid = conmonPid,
                ConmonStartTime = conmonPid is { } c ? ProcessInfo.StartTime(c) : null,
            };
            record.Save(paths.Record);
        }
        catch (Exception e)
        {
            OciRuntimeLog.CreateFailed(_logger, Name, spec.Id, e.Message);
            await RemoveAsync(paths, CancellationToken.None);
            if (e is ContainerRuntimeException or OperationCanceledException or ArgumentException)
            {
                throw;
            }

            throw new ContainerRuntimeException($"create {spec.Id}: {e.Message}", e);
        }

        OciRuntimeLog.Created(_logger, Name, spec.Id, spec.DisplayName, record.Pid ?? 0, stopwatch.ElapsedMilliseconds, mountedAt, createdAt - mountedAt);
        return await StatusCoreAsync(paths, cancellationToken) ?? throw new ContainerNotFoundException(spec.Id);
    }

    public async Task StartAsync(string id, CancellationToken cancellationToken)
    {
        var paths = PathsFor(id);
        using var held = await LockAsync(id, cancellationToken);
        var record = ContainerRecord.Load(paths.Record) ?? throw new ContainerNotFoundException(id);
        if (record.StartedAt is not null)
        {
            throw new ContainerRuntimeException($"container {id} was already started");
        }

        await Binary.StartAsync(id, cancellationToken);
        (record with { StartedAt = _time.GetUtcNow() }).Save(paths.Record);
        OciRuntimeLog.Started(_logger, Name, id);
    }

    public async Task<ContainerStatus> StopAsync(string id, TimeSpan gracePeriod, CancellationToken cancellationToken, int signal = 15)
    {
        var paths = PathsFor(id);
        using var held = await LockAsync(id, cancellationToken);
        var status = await StatusCoreAsync(paths, cancellationToken) ?? throw new ContainerNotFoundException(id);
        if (status.State == ContainerState.Exited)
        {
            return status;
        }

        // A created container's process is the runtime's init waiting to exec: nothing to be graceful with.
        var first = status.State == ContainerState.Created ? 9 : signal;
        await SignalAsync(paths, id, first, cancellationToken);
        if (!await WaitForExitAsync(paths, first == 9 ? TimeSpan.FromSeconds(10) : gracePeriod, cancellationToken))
        {
            OciRuntimeLog.Escalating(_logger, Name, id, gracePeriod, signal);
            await SignalAsync(paths, id, 9, cancellationToken);
            if (!await WaitForExitAsync(paths, TimeSpan.FromSeconds(10), cancellationToken))
            {
                await Binary.KillAsync(id, 9, cancellationToken);
                if (!await WaitForExitAsync(paths, TimeSpan.FromSeconds(10), cancellationToken))
                {
                    throw new ContainerRuntimeException($"container {id} did not exit after SIGKILL");
                }
            }
        }

        return await StatusCoreAsync(paths, cancellationToken) ?? throw new ContainerNotFoundException(id);
    }

    public Task<ContainerStatus?> StatusAsync(string id, CancellationToken cancellationToken) =>
        StatusCoreAsync(PathsFor(id), cancellationToken);

    public async Task<IReadOnlyList<ContainerStatus>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<ContainerStatus>();
        if (Directory.Exists(ContainersDir))
        {
            foreach (var dir in Directory.EnumerateDirectories(ContainersDir))
            {
                var id = Path.GetFileName(dir);
                if (!OciSpecBuilder.IsValidId(id))
                {
                    continue;
                }

                var status = await StatusCoreAsync(PathsFor(id), cancellationToken);
                if (status is null)
                {
                    await DeleteOrphanAsync(id, cancellationToken);
                    continue;
                }

                list.Add(status);
            }
        }

        // Runtime state pointing into our containers directory without a bundle left: a delete interrupted midway.
        var prefix = ContainersDir + "/";
        foreach (var state in await Binary.ListAsync(cancellationToken))
        {
            if (state.Bundle.StartsWith(prefix, StringComparison.Ordinal) && !Directory.Exists(state.Bundle))
            {
                OciRuntimeLog.Orphan(_logger, Name, "runtime state", state.Id);
                await Binary.DeleteAsync(state.Id, cancellationToken);
            }
        }

        if (Interlocked.Exchange(ref _adoptLogged, 1) == 0)
        {
            OciRuntimeLog.Adopted(_logger, Name, list.Count, _options.DataDir);
        }

        return list;
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var paths = PathsFor(id);
        using var held = await LockAsync(id, cancellationToken);
        await RemoveAsync(paths, cancellationToken);
        OciRuntimeLog.Deleted(_logger, Name, id);
    }

    public async Task<int> ExecAsync(string id, ExecSpec request, CancellationToken cancellationToken)
    {
        var paths = PathsFor(id);
        var status = await StatusCoreAsync(paths, cancellationToken) ?? throw new ContainerNotFoundException(id);
        if (status.State != ContainerState.Running)
        {
            throw new ContainerRuntimeException($"cannot exec in container {id}: it is {status.State.ToString().ToLowerInvariant()}");
        }

        return await _exec.RunAsync(paths, request, cancellationToken);
    }

    /// <summary>Runs a command and captures its output (exec probes, tests). The process is killed when <paramref name="timeout"/> passes.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> ExecCaptureAsync(string id, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            var code = await ExecAsync(id, new ExecSpec { Args = args, Stdout = stdout, Stderr = stderr }, cts.Token);
            return (code, System.Text.Encoding.UTF8.GetString(stdout.ToArray()), System.Text.Encoding.UTF8.GetString(stderr.ToArray()));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"exec in {id} did not finish within {timeout}");
        }
    }

    /// <summary>RSS of the container's conmon, for density figures; null when it has gone.</summary>
    public async Task<long?> ShimRssAsync(string id, CancellationToken cancellationToken)
    {
        var status = await StatusAsync(id, cancellationToken);
        return status?.ShimPid is { } pid ? ProcessInfo.Rss(pid) : null;
    }

    private async Task<ContainerStatus?> StatusCoreAsync(ContainerPaths paths, CancellationToken cancellationToken)
    {
        var record = ContainerRecord.Load(paths.Record);
        if (record is null)
        {
            return null;
        }

        if (record.ExitCode is not null)
        {
            return ToStatus(record, ContainerState.Exited);
        }

        var conmonAlive = record.ConmonPid is { } cp && ProcessInfo.IsAlive(cp, record.ConmonStartTime);
        var exited = ReadExit(paths, record);
        if (exited is null && record.Pid is { } pid && ProcessInfo.IsAlive(pid, record.PidStartTime))
        {
            return ToStatus(record with { ConmonPid = conmonAlive ? record.ConmonPid : null }, record.StartedAt is null ? ContainerState.Created : ContainerState.Running);
        }

        if (exited is null && conmonAlive && record.Pid is not null)
        {
            // The process has just ended and conmon is draining its output before it writes the exit file.
            var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(5);
            while (exited is null && _time.GetUtcNow() < deadline && ProcessInfo.IsAlive(record.ConmonPid!.Value, record.ConmonStartTime))
            {
                await Task.Delay(PollInterval, _time, cancellationToken);
                exited = ReadExit(paths, record);
            }

            exited ??= ReadExit(paths, record);
        }

        if (exited is null && conmonAlive && record.Pid is null)
        {
            return ToStatus(record, ContainerState.Created);
        }

        var final = exited ?? record with
        {
            ExitCode = 255,
            ExitReason = "Unknown",
            ExitMessage = "no exit code was recorded: the container's shim (conmon) is gone (killed, or the host restarted)",
            FinishedAt = _time.GetUtcNow(),
        };
        if (final.ConmonPid is { } conmon)
        {
            NativeProcess.TryReap(conmon);
        }

        final = final with { ConmonPid = null };
        try
        {
            if (Directory.Exists(paths.Dir))
            {
                final.Save(paths.Record);
            }
        }
        catch (IOException)
        {
            // Deleted meanwhile.
        }

        return ToStatus(final, ContainerState.Exited);
    }

    /// <summary>The record completed with conmon's exit file, or null when conmon has not written it.</summary>
    private static ContainerRecord? ReadExit(ContainerPaths paths, ContainerRecord record)
    {
        string text;
        try
        {
            text = File.ReadAllText(paths.ExitFile).Trim();
        }
        catch (IOException)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
        {
            return null;
        }

        var oom = File.Exists(paths.OomFile) || (Cgroups.OomKillCount(record.CgroupsPath) ?? 0) > 0;
        return record with
        {
            ExitCode = code,
            OomKilled = oom,
            ExitReason = oom ? "OOMKilled" : code == 0 ? "Completed" : "Error",
            FinishedAt = new DateTimeOffset(File.GetLastWriteTimeUtc(paths.ExitFile), TimeSpan.Zero),
        };
    }

    private static ContainerStatus ToStatus(ContainerRecord r, ContainerState state) => new()
    {
        Id = r.Id,
        Name = r.Name,
        SandboxId = r.SandboxId,
        State = state,
        Pid = state == ContainerState.Exited ? null : r.Pid,
        ExitCode = state == ContainerState.Exited ? r.ExitCode : null,
        Reason = state == ContainerState.Exited ? r.ExitReason : null,
        Message = state == ContainerState.Exited ? r.ExitMessage : null,
        OomKilled = r.OomKilled,
        CreatedAt = r.CreatedAt,
        StartedAt = r.StartedAt,
        FinishedAt = state == ContainerState.Exited ? r.FinishedAt : null,
        LogPath = r.LogPath,
        Annotations = r.Annotations,
        ShimPid = r.ConmonPid,
        CgroupsPath = r.CgroupsPath,
    };

    private async Task<bool> WaitForExitAsync(ContainerPaths paths, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            var record = ContainerRecord.Load(paths.Record);
            if (record is null || File.Exists(paths.ExitFile))
            {
                return true;
            }

            var pidAlive = record.Pid is { } pid && ProcessInfo.IsAlive(pid, record.PidStartTime);
            var conmonAlive = record.ConmonPid is { } cp && ProcessInfo.IsAlive(cp, record.ConmonStartTime);
            if (!pidAlive && !conmonAlive)
            {
                return true;
            }

            if (_time.GetUtcNow() >= deadline)
            {
                return false;
            }

            await Task.Delay(PollInterval, _time, cancellationToken);
        }
    }

    /// <summary>Removes everything of one container, whatever state it is in. Idempotent; throws only when something could not be removed.</summary>
    private async Task RemoveAsync(ContainerPaths paths, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(paths.Dir))
        {
            // Not ours (or already gone): never touch a runtime container of the same id that another data directory owns.
            return;
        }

        var record = ContainerRecord.Load(paths.Record);
        if (SignalInit(record, 9))
        {
            await WaitForExitAsync(paths, TimeSpan.FromSeconds(10), cancellationToken);
        }

        // Kills whatever is left (a create interrupted before the record had a pid) and removes the runtime state and cgroups.
        await Binary.DeleteAsync(paths.Id, cancellationToken);

        var conmonPid = record?.ConmonPid ?? ReadPid(paths.ConmonPidFile);
        if (conmonPid is { } cp)
        {
            var start = record?.ConmonPid is not null ? record.ConmonStartTime : null;
            var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(5);
            while (ProcessInfo.IsAlive(cp, start) && IsConmon(cp) && _time.GetUtcNow() < deadline)
            {
                await Task.Delay(PollInterval, _time, CancellationToken.None);
            }

            if (ProcessInfo.IsAlive(cp, start) && IsConmon(cp))
            {
                Native.kill(cp, 9);
            }

            NativeProcess.TryReap(cp);
        }

        OverlayRootfs.Unmount(paths.Rootfs);
        var cgroupsPath = record?.CgroupsPath ?? ReadCgroupsPath(paths);
        if (cgroupsPath is not null)
        {
            foreach (var problem in Cgroups.Remove(cgroupsPath, _options.CgroupRoot))
            {
                OciRuntimeLog.CleanupProblem(_logger, Name, paths.Id, problem);
            }
        }

        var link = Path.Combine(_options.SocketDir, paths.Id);
        if (File.Exists(link) || Directory.Exists(link))
        {
            File.Delete(link);
        }

        var mounts = MountsUnder(paths.Dir);
        if (mounts.Count > 0)
        {
            throw new ContainerRuntimeException($"container {paths.Id}: still mounted, not removing its directory: {string.Join(", ", mounts)}");
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(paths.Dir, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 3)
            {
                await Task.Delay(PollInterval, _time, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Signals the container's init process directly (what <c>runc kill</c> does for a container with its
    /// own PID namespace) when its pid is known and still the same process; otherwise asks the runtime.
    /// </summary>
    private async Task SignalAsync(ContainerPaths paths, string id, int signal, CancellationToken cancellationToken)
    {
        if (!SignalInit(ContainerRecord.Load(paths.Record), signal))
        {
            await Binary.KillAsync(id, signal, cancellationToken);
        }
    }

    private static bool SignalInit(ContainerRecord? record, int signal) =>
        record?.Pid is { } pid && ProcessInfo.IsAlive(pid, record.PidStartTime) && Native.kill(pid, signal) == 0;

    private async Task DeleteOrphanAsync(string id, CancellationToken cancellationToken)
    {
        var paths = PathsFor(id);
        using var held = await LockAsync(id, cancellationToken);
        if (ContainerRecord.Load(paths.Record) is not null || !Directory.Exists(paths.Dir))
        {
            return;
        }

        OciRuntimeLog.Orphan(_logger, Name, "container directory", id);
        await RemoveAsync(paths, cancellationToken);
    }

    private static List<string> MountsUnder(string dir)
    {
        var prefix = Path.GetFullPath(dir).TrimEnd('/') + "/";
        var list = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ', 6);
            if (fields.Length > 4 && (fields[4] + "/").StartsWith(prefix, StringComparison.Ordinal))
            {
                list.Add(fields[4]);
            }
        }

        return list;
    }

    private static bool IsConmon(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == "conmon";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string? ReadCgroupsPath(ContainerPaths paths)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(paths.Config))?["linux"]?["cgroupsPath"]?.GetValue<string>();
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static int? ReadPid(string file)
    {
        try
        {
            return int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private ContainerPaths PathsFor(string id)
    {
        if (!OciSpecBuilder.IsValidId(id))
        {
            throw new ArgumentException($"invalid container id '{id}'", nameof(id));
        }

        return new ContainerPaths(_options.DataDir, id);
    }

    private async Task<IDisposable> LockAsync(string id, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
