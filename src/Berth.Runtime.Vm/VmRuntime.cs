using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Berth.Runtime.Vm.Cloud;
using Berth.Runtime.Vm.Host;
using Berth.Runtime.Vm.Logs;
using Berth.Runtime.Vm.Net;
using Berth.Runtime.Vm.Qmp;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Vm;

/// <summary>
/// Runs QEMU virtual machines for the agent, pod-agnostic like a container runtime.
/// <code>
///            CreateAsync                    StartAsync
///   (none) ─────────────▶ Created ─────────────────────▶ Running
///     ▲        disks, tap, seed,  (qemu -S:      QMP cont      │ guest powers off, StopAsync,
///     │        cgroup, qemu        CPUs stopped)               │ qemu killed or crashed
///     │                      │ StopAsync (quit)                ▼
///     └──── DeleteAsync ◀────┴───────────────────────────── Exited (exit code + reason)
/// </code>
/// QEMU runs detached from the agent, under a tiny shell shim in its own session
/// (<c>setsid sh</c>) that records QEMU's exit status, so VMs survive an agent restart: a new
/// <see cref="VmRuntime"/> over the same <see cref="VmRuntimeOptions.StateRoot"/> finds them with
/// <see cref="AdoptAsync"/> (or lazily on first use of an id). Disposing a runtime detaches from
/// the VMs; it never stops them. Every method is safe to call concurrently; operations on one VM
/// are serialised.
/// </summary>
public sealed partial class VmRuntime : IAsyncDisposable
{
    /// <summary>
    /// The shim: joins the cgroups, records its pid, runs QEMU (optionally through nsenter into
    /// the pod's network namespace) and writes QEMU's exit status (128+N for signal N) atomically.
    /// Arguments: DIR CGROUP_PROCS_FILE... -- COMMAND...
    /// </summary>
    internal const string ShimScript = """
        dir=$1; shift
        exec </dev/null >>"$dir/shim.log" 2>&1
        while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
          echo $$ >"$1" || { echo "berth-vm-shim: cannot join cgroup $1"; echo 125 >"$dir/exit"; exit 125; }
          shift
        done
        shift
        echo $$ >"$dir/shim.pid"
        "$@" >"$dir/qemu.log" 2>&1
        code=$?
        echo $code >"$dir/exit.tmp" && mv "$dir/exit.tmp" "$dir/exit"
        """;

    private readonly VmRuntimeOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, VmInstance> _vms = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _probeLock = new(1, 1);
    private AccelerationDecision? _acceleration;

    public VmRuntime(VmRuntimeOptions options)
    {
        _options = options;
        _time = options.TimeProvider;
        _log = options.LoggerFactory.CreateLogger("Berth.Runtime.Vm");
        Directory.CreateDirectory(options.StateRoot);
    }

    /// <summary>
    /// Whether VMs use KVM, and why: probes once per runtime (at most
    /// <see cref="KvmProbeOptions.Timeout"/>), and remembers the answer for this kernel in
    /// <c>STATE_ROOT/acceleration.json</c> so that an agent restart does not probe again.
    /// </summary>
    public async Task<AccelerationDecision> GetAccelerationAsync(CancellationToken cancellationToken = default)
    {
        if (_acceleration is { } known)
        {
            return known;
        }

        await _probeLock.WaitAsync(cancellationToken);
        try
        {
            if (_acceleration is { } again)
            {
                return again;
            }

            var cacheFile = Path.Combine(_options.StateRoot, "acceleration.json");
            var key = AccelerationCacheKey();
            if (VmJson.Read<AccelerationCache>(cacheFile) is { } cached && cached.Key == key)
            {
                _acceleration = cached.Decision;
            }
            else
            {
                _acceleration = await KvmProbe.RunAsync(_options.KvmProbe, _options.QemuPath, cancellationToken);
                VmJson.Write(cacheFile, new AccelerationCache(key, _acceleration));
            }

            VmLog.Acceleration(_log, _acceleration.Accelerator, _acceleration.Reason);
            return _acceleration;
        }
        finally
        {
            _probeLock.Release();
        }
    }

    /// <summary>
    /// Prepares everything and launches QEMU with the CPUs stopped: copy-on-write overlays,
    /// the pod network wiring, the NoCloud seed, the cgroup. Returns once QMP answers (state
    /// <see cref="VmState.Created"/>). On failure everything made so far is undone and the
    /// exception carries QEMU's own message.
    /// </summary>
    public async Task<VmStatus> CreateAsync(VmSpec spec, CancellationToken cancellationToken = default)
    {
        Validate(spec);
        var paths = PathsFor(spec.Id);
        if (paths.QmpSocket.Length > 107 || paths.ConsoleSocket.Length > 107)
        {
            throw new VmRuntimeException($"state directory {paths.Directory} is too long for unix sockets (108 bytes): use a shorter StateRoot");
        }

        var accelerator = spec.Acceleration == AccelerationPreference.Tcg
            ? Accelerator.Tcg
            : (await GetAccelerationAsync(cancellationToken)).Accelerator;

        Directory.CreateDirectory(_options.StateRoot);
        try
        {
            if (Directory.Exists(paths.Directory) && !File.Exists(paths.RecordFile) && !_vms.ContainsKey(spec.Id))
            {
                Directory.Delete(paths.Directory, recursive: true); // debris of a create that died half-way
            }

            Directory.CreateDirectory(paths.Directory);
            if (File.Exists(paths.RecordFile) || !_vms.TryAdd(spec.Id, new VmInstance(paths, new VmRecord { Spec = spec, Accelerator = accelerator, CreatedAt = _time.GetUtcNow() })))
            {
                throw new VmRuntimeException($"a VM with id '{spec.Id}' already exists");
            }
        }
        catch (IOException e)
        {
            throw new VmRuntimeException($"cannot create {paths.Directory}: {e.Message}", e);
        }

        var vm = _vms[spec.Id];
        VmJson.Write(paths.RecordFile, vm.Record);
        try
        {
            var disks = await PrepareDisksAsync(spec, paths, cancellationToken);

            if (spec.Network is { } net)
            {
                var state = await PodNetworkSetup.SetupAsync(spec.Id, net, cancellationToken);
                vm.Record = vm.Record with { Network = state };
                VmJson.Write(paths.RecordFile, vm.Record);
            }

            string? seed = null;
            if (spec.CloudInit is not null || spec.Network is not null)
            {
                var guestNet = spec.Network is { } n && vm.Record.Network is { } s ? PodNetworkSetup.GuestView(n, s) : null;
                await NoCloudSeed.WriteImageAsync(paths.SeedImage, NoCloudSeed.Files(spec.Id, spec.Hostname, spec.CloudInit, guestNet), cancellationToken);
                seed = paths.SeedImage;
            }

            VmCgroup? cgroup = null;
            if (spec.CgroupParent is { } parent)
            {
                cgroup = VmCgroup.Resolve(_options.CgroupRoot, parent, spec.Id);
                var limit = (long)(spec.MemoryMiB + (spec.MemoryOverheadMiB ?? _options.DefaultMemoryOverheadMiB)) * 1024 * 1024;
                cgroup.Create(limit);
                vm.Record = vm.Record with { CgroupDirectories = cgroup.Directories, MemoryLimitBytes = limit };
                VmJson.Write(paths.RecordFile, vm.Record);
            }

            var args = QemuCommandLine.Build(new QemuLaunch(
                spec, paths, accelerator, disks, seed, vm.Record.Network?.TapName, vm.Record.Network?.GuestMac, _options.TcgTranslationCacheMiB));
            LaunchShim(paths, cgroup?.ProcsFiles ?? [], spec.Network?.NetnsPath, args);
            await ConnectNewAsync(vm, cancellationToken);
            StartPump(vm);
            var status = Snapshot(vm);
            VmLog.Created(_log, spec.Id, accelerator, spec.MemoryMiB, spec.Vcpus, status.Pid);
            return status;
        }
        catch (Exception e) when (e is not OperationCanceledException || cancellationToken.IsCancellationRequested)
        {
            await DestroyAsync(vm, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Resumes the CPUs of a <see cref="VmState.Created"/> VM (QMP <c>cont</c>). Idempotent for a running VM.</summary>
    public async Task<VmStatus> StartAsync(string id, CancellationToken cancellationToken = default)
    {
        var vm = Find(id);
        await vm.Lock.WaitAsync(cancellationToken);
        try
        {
            var status = Snapshot(vm);
            if (status.State == VmState.Exited)
            {
                throw new VmRuntimeException($"VM {id} has exited ({status.Reason}); delete it and create it again");
            }

            var qmp = await EnsureQmpAsync(vm, cancellationToken);
            await qmp.ExecuteAsync("cont", null, cancellationToken);
            if (vm.Record.StartedAt is null)
            {
                vm.Record = vm.Record with { StartedAt = _time.GetUtcNow() };
                VmJson.Write(vm.Paths.RecordFile, vm.Record);
            }

            VmLog.Started(_log, id);
            return Snapshot(vm);
        }
        finally
        {
            vm.Lock.Release();
        }
    }

    /// <summary>
    /// Stops gracefully: presses the ACPI power button (QMP <c>system_powerdown</c>), waits up to
    /// <paramref name="gracePeriod"/> for the guest to power off, then tells QEMU to
    /// <c>quit</c> (and SIGKILLs it if even that does not work within
    /// <see cref="VmRuntimeOptions.QuitTimeout"/>). Guests without an ACPI handler (plain busybox)
    /// always take the quit path. Returns the exited status.
    /// </summary>
    public async Task<VmStatus> StopAsync(string id, TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        var vm = Find(id);
        await vm.Lock.WaitAsync(cancellationToken);
        try
        {
            if (vm.Gone)
            {
                return Snapshot(vm);
            }

            var requested = _time.GetUtcNow();
            VmJson.Write(vm.Paths.StopFile, new StopRecord(requested, null));
            var qmp = await TryEnsureQmpAsync(vm, cancellationToken);
            if (vm.Record.StartedAt is not null && qmp is not null)
            {
                VmLog.Stopping(_log, id, gracePeriod);
                await TryExecuteAsync(qmp, "system_powerdown", cancellationToken);
                if (await WaitGoneAsync(vm, gracePeriod, cancellationToken))
                {
                    return Snapshot(vm);
                }

                VmLog.StopTimeout(_log, id, gracePeriod);
                VmJson.Write(vm.Paths.StopFile, new StopRecord(requested, _time.GetUtcNow()));
            }

            await QuitOrKillAsync(vm, qmp, cancellationToken);
            return Snapshot(vm);
        }
        finally
        {
            vm.Lock.Release();
        }
    }

    /// <summary>The VM's state; for an exited VM, its exit code and reason.</summary>
    public Task<VmStatus> StatusAsync(string id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Snapshot(Find(id)));
    }

    /// <summary>Every VM this runtime knows (after <see cref="AdoptAsync"/>, also those of earlier runtimes).</summary>
    public IReadOnlyList<VmStatus> List() => _vms.Values.Select(Snapshot).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();

    /// <summary>The spec a VM was created with.</summary>
    public VmSpec GetSpec(string id) => Find(id).Record.Spec;

    /// <summary>Where the VM's files are (raw console, QEMU's log, sockets).</summary>
    public VmPaths GetPaths(string id) => Find(id).Paths;

    /// <summary>
    /// Removes the VM: kills QEMU if it still runs (no grace: call <see cref="StopAsync"/> first
    /// for that), copies the last console output to the log, restores the pod's network
    /// namespace, removes the cgroup, the overlays, the seed and the sockets. Idempotent.
    /// </summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        VmInstance vm;
        try
        {
            vm = Find(id);
        }
        catch (VmNotFoundException)
        {
            return;
        }

        await vm.Lock.WaitAsync(cancellationToken);
        try
        {
            await DestroyAsync(vm, cancellationToken);
            VmLog.Deleted(_log, id);
        }
        finally
        {
            vm.Lock.Release();
        }
    }

    /// <summary>
    /// Finds the VMs of an earlier runtime (an agent restart) under the state root, reconnects to
    /// their QMP sockets and resumes copying their consoles to the pod logs. A guest that powered
    /// off while nobody listened (QEMU waits in status "shutdown") is recorded as such and QEMU is
    /// told to quit. Returns every known VM.
    /// </summary>
    public async Task<IReadOnlyList<VmStatus>> AdoptAsync(CancellationToken cancellationToken = default)
    {
        foreach (var dir in Directory.GetDirectories(_options.StateRoot))
        {
            var id = Path.GetFileName(dir);
            if (_vms.ContainsKey(id) || !File.Exists(Path.Combine(dir, "vm.json")))
            {
                continue;
            }

            await AdoptOneAsync(id, cancellationToken);
        }

        return List();
    }

    /// <summary>
    /// Connects to the serial console (the unix socket QEMU serves; one client at a time: a second
    /// client waits until the first disconnects). Bytes written go to the guest's ttyS0; the
    /// console output keeps going to the log as well.
    /// </summary>
    public async Task<Stream> OpenConsoleAsync(string id, CancellationToken cancellationToken = default)
    {
        var vm = Find(id);
        if (vm.Gone)
        {
            throw new VmRuntimeException($"VM {id} is not running");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(vm.Paths.ConsoleSocket), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Detaches from every VM (QMP connections, console pumps). The VMs keep running.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var vm in _vms.Values)
        {
            await DetachAsync(vm);
        }

        _vms.Clear();
    }

    internal static partial class Patterns
    {
        [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
        public static partial Regex Id();

        [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,19}$")]
        public static partial Regex DiskName();
    }

    internal sealed record AccelerationCache(string Key, AccelerationDecision Decision);

    private static string AccelerationCacheKey()
    {
        var release = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?";
        return $"{release}|kvm={File.Exists("/dev/kvm")}";
    }

    internal static void Validate(VmSpec spec)
    {
        if (!Patterns.Id().IsMatch(spec.Id))
        {
            throw new ArgumentException($"VM id '{spec.Id}' must match [a-z0-9][a-z0-9._-]{{0,62}}", nameof(spec));
        }

        if (spec.MemoryMiB < 16 || spec.Vcpus < 1)
        {
            throw new ArgumentException("a VM needs at least 16 MiB of memory and 1 vCPU", nameof(spec));
        }

        var disks = AllDisks(spec).ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (disk, _) in disks)
        {
            if (!Patterns.DiskName().IsMatch(disk.Name) || disk.Name == "cidata" || !names.Add(disk.Name))
            {
                throw new ArgumentException($"disk name '{disk.Name}' must be unique, not 'cidata', and match [a-z0-9][a-z0-9-]{{0,19}}", nameof(spec));
            }

            if (disk.Kind != VmDiskKind.Empty && (disk.Path is null || !Path.IsPathFullyQualified(disk.Path)))
            {
                throw new ArgumentException($"disk '{disk.Name}' needs an absolute path", nameof(spec));
            }

            if (disk.Kind == VmDiskKind.Empty && disk.SizeBytes <= 0)
            {
                throw new ArgumentException($"empty disk '{disk.Name}' needs a size", nameof(spec));
            }
        }

        if (spec.Boot is KernelBoot kb && (!Path.IsPathFullyQualified(kb.KernelPath) || (kb.InitrdPath is { } i && !Path.IsPathFullyQualified(i))))
        {
            throw new ArgumentException("kernel and initrd paths must be absolute", nameof(spec));
        }
    }

    private static IEnumerable<(VmDisk Disk, bool Boot)> AllDisks(VmSpec spec)
    {
        if (spec.Boot is DiskBoot db)
        {
            yield return (db.Disk, true);
        }

        foreach (var d in spec.Disks)
        {
            yield return (d, false);
        }
    }

    private VmPaths PathsFor(string id) => new(Path.Combine(Path.GetFullPath(_options.StateRoot), id));

    private VmInstance Find(string id)
    {
        if (_vms.TryGetValue(id, out var vm))
        {
            return vm;
        }

        if (Patterns.Id().IsMatch(id) && File.Exists(PathsFor(id).RecordFile))
        {
            // an earlier runtime's VM, not adopted yet: adopt it now
            AdoptOneAsync(id, CancellationToken.None).GetAwaiter().GetResult();
            if (_vms.TryGetValue(id, out vm))
            {
                return vm;
            }
        }

        throw new VmNotFoundException(id);
    }

    private async Task AdoptOneAsync(string id, CancellationToken cancellationToken)
    {
        var paths = PathsFor(id);
        var record = VmJson.Read<VmRecord>(paths.RecordFile);
        if (record is null)
        {
            return;
        }

        var vm = new VmInstance(paths, record);
        if (!_vms.TryAdd(id, vm))
        {
            return;
        }

        if (vm.QemuAlive)
        {
            var qmp = await TryEnsureQmpAsync(vm, cancellationToken);
            if (qmp is not null)
            {
                var status = await TryExecuteAsync(qmp, "query-status", cancellationToken);
                if (status is { } s && s.TryGetProperty("status", out var st) && st.GetString() == "shutdown")
                {
                    VmJson.Write(paths.ShutdownFile, new ShutdownRecord(true, "guest-shutdown (found on adoption)", _time.GetUtcNow()));
                    VmLog.GuestShutdown(_log, id, "found on adoption");
                    await TryExecuteAsync(qmp, "quit", cancellationToken);
                }
            }
        }

        StartPump(vm);
        VmLog.Adopted(_log, id, Snapshot(vm).State, vm.QemuPid);
    }

    private VmStatus Snapshot(VmInstance vm)
    {
        var record = vm.Record;
        if (!vm.HasExitFile && vm.QemuAlive)
        {
            return new VmStatus(vm.Id, record.StartedAt is null ? VmState.Created : VmState.Running, record.Accelerator,
                vm.QemuPid, record.CreatedAt, record.StartedAt, null, null, null, null);
        }

        // QEMU is gone (or going): give the shim a moment to record the exit status.
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (!vm.HasExitFile && vm.ShimAlive && Stopwatch.GetTimestamp() < deadline)
        {
            Thread.Sleep(10);
        }

        int? code = null;
        DateTimeOffset? finished = null;
        if (vm.HasExitFile)
        {
            code = int.TryParse(File.ReadAllText(vm.Paths.ExitFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : null;
            finished = File.GetLastWriteTimeUtc(vm.Paths.ExitFile);
        }

        var oom = record.Spec.CgroupParent is { } parent && VmCgroup.Resolve(_options.CgroupRoot, parent, record.Spec.Id).OomKilled();
        var facts = new VmExitFacts(code, VmJson.Read<ShutdownRecord>(vm.Paths.ShutdownFile), VmJson.Read<StopRecord>(vm.Paths.StopFile), oom, QemuOutputTail(vm.Paths));
        var (reason, message) = VmExitClassifier.Classify(facts);
        return new VmStatus(vm.Id, VmState.Exited, record.Accelerator, null, record.CreatedAt, record.StartedAt, finished, code, reason, message);
    }

    /// <summary>The last lines QEMU (or, when it never ran, the shim) printed.</summary>
    private static string QemuOutputTail(VmPaths paths)
    {
        var shimLog = Path.Combine(paths.Directory, "shim.log");
        var lines = new[] { shimLog, paths.QemuLog }.Where(File.Exists).SelectMany(File.ReadAllLines).Where(l => l.Trim().Length > 0).ToList();
        var tail = string.Join(" | ", lines.Skip(Math.Max(0, lines.Count - 3)));
        return tail.Length > 500 ? tail[^500..] : tail;
    }
}
