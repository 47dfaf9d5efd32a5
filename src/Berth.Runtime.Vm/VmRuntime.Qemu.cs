using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Berth.Runtime.Vm.Host;
using Berth.Runtime.Vm.Logs;
using Berth.Runtime.Vm.Net;
using Berth.Runtime.Vm.Qmp;

namespace Berth.Runtime.Vm;

/// <summary>The QEMU side of <see cref="VmRuntime"/>: disks, the shim, QMP, the console pump, teardown.</summary>
public sealed partial class VmRuntime
{
    private async Task<IReadOnlyList<ResolvedDisk>> PrepareDisksAsync(VmSpec spec, VmPaths paths, CancellationToken cancellationToken)
    {
        var resolved = new List<ResolvedDisk>();
        foreach (var (disk, boot) in AllDisks(spec))
        {
            switch (disk.Kind)
            {
                case VmDiskKind.Overlay:
                {
                    var format = SniffFormat(disk.Path!);
                    var overlay = paths.DiskFile(disk.Name);
                    await ProcessRunner.CheckAsync(_options.QemuImgPath,
                        ["create", "-q", "-f", "qcow2", "-b", disk.Path!, "-F", format, overlay], cancellationToken: cancellationToken);
                    resolved.Add(new ResolvedDisk(disk.Name, overlay, "qcow2", disk.ReadOnly, boot));
                    break;
                }

                case VmDiskKind.Empty:
                {
                    var file = paths.DiskFile(disk.Name);
                    await ProcessRunner.CheckAsync(_options.QemuImgPath,
                        ["create", "-q", "-f", "qcow2", file, disk.SizeBytes.ToString(CultureInfo.InvariantCulture)], cancellationToken: cancellationToken);
                    resolved.Add(new ResolvedDisk(disk.Name, file, "qcow2", disk.ReadOnly, boot));
                    break;
                }

                default:
                    resolved.Add(new ResolvedDisk(disk.Name, disk.Path!, SniffFormat(disk.Path!), disk.ReadOnly, boot));
                    break;
            }
        }

        return resolved;
    }

    private static ReadOnlySpan<byte> Qcow2Magic => [0x51, 0x46, 0x49, 0xfb];

    /// <summary>qcow2 files start with "QFI\xfb"; anything else is taken as raw.</summary>
    internal static string SniffFormat(string path)
    {
        if (!File.Exists(path))
        {
            throw new VmRuntimeException($"disk image {path} does not exist");
        }

        Span<byte> magic = stackalloc byte[4];
        using var f = File.OpenRead(path);
        return f.Read(magic) == 4 && magic.SequenceEqual(Qcow2Magic) ? "qcow2" : "raw";
    }

    private void LaunchShim(VmPaths paths, IEnumerable<string> cgroupProcs, string? netns, IReadOnlyList<string> qemuArgs)
    {
        var psi = new ProcessStartInfo("setsid") { UseShellExecute = false };
        psi.ArgumentList.Add("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(ShimScript);
        psi.ArgumentList.Add("berth-vm-shim");
        psi.ArgumentList.Add(paths.Directory);
        foreach (var procs in cgroupProcs)
        {
            psi.ArgumentList.Add(procs);
        }

        psi.ArgumentList.Add("--");
        if (netns is not null)
        {
            psi.ArgumentList.Add("nsenter");
            psi.ArgumentList.Add("--net=" + netns);
            psi.ArgumentList.Add("--");
        }

        psi.ArgumentList.Add(_options.QemuPath);
        foreach (var a in qemuArgs)
        {
            psi.ArgumentList.Add(a);
        }

        File.WriteAllText(Path.Combine(paths.Directory, "qemu.cmdline"), string.Join('\n', qemuArgs) + "\n");
        using var shim = Process.Start(psi) ?? throw new VmRuntimeException("cannot start the VM shim (setsid /bin/sh)");
    }

    /// <summary>Waits for a freshly launched QEMU to serve QMP; fails with QEMU's own words if it exits first.</summary>
    private async Task ConnectNewAsync(VmInstance vm, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (vm.HasExitFile)
            {
                throw new VmRuntimeException($"QEMU exited while starting VM {vm.Id}: {QemuOutputTail(vm.Paths)}");
            }

            if (File.Exists(vm.Paths.QmpSocket) && await TryEnsureQmpAsync(vm, cancellationToken) is not null)
            {
                return;
            }

            if (_time.GetElapsedTime(start) > _options.CreateTimeout)
            {
                throw new VmRuntimeException($"QEMU did not answer on QMP within {_options.CreateTimeout.TotalSeconds:0} s: {QemuOutputTail(vm.Paths)}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private async Task<QmpClient> EnsureQmpAsync(VmInstance vm, CancellationToken cancellationToken) =>
        await TryEnsureQmpAsync(vm, cancellationToken)
        ?? throw new VmRuntimeException($"cannot reach QMP of VM {vm.Id} ({vm.Paths.QmpSocket})");

    /// <summary>The VM's QMP connection (one per VM: QEMU serves one client per socket), connected on demand, with the event monitor running.</summary>
    private async Task<QmpClient?> TryEnsureQmpAsync(VmInstance vm, CancellationToken cancellationToken)
    {
        if (vm.Qmp is { Completion.IsCompleted: false } live)
        {
            return live;
        }

        if (vm.Qmp is { } dead)
        {
            await dead.DisposeAsync();
            vm.Qmp = null;
        }

        if (!File.Exists(vm.Paths.QmpSocket))
        {
            return null;
        }

        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(5));
            var qmp = await QmpClient.ConnectAsync(vm.Paths.QmpSocket, cts.Token);
            vm.Qmp = qmp;
            vm.Monitor = Task.Run(() => MonitorAsync(vm, qmp), CancellationToken.None);
            return qmp;
        }
        catch (Exception e) when (e is SocketException or IOException or QmpException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static async Task<JsonElement?> TryExecuteAsync(QmpClient qmp, string command, CancellationToken cancellationToken)
    {
        try
        {
            return await qmp.ExecuteAsync(command, null, cancellationToken);
        }
        catch (QmpException)
        {
            return null;
        }
    }

    /// <summary>
    /// Records SHUTDOWN events. QEMU runs with <c>-no-shutdown</c>, so a guest power-off leaves
    /// it waiting: once the reason is on disk, tell it to quit.
    /// </summary>
    private async Task MonitorAsync(VmInstance vm, QmpClient qmp)
    {
        await foreach (var ev in qmp.Events.ReadAllAsync())
        {
            if (ev.Name != "SHUTDOWN")
            {
                continue;
            }

            var guest = ev.Data.ValueKind == JsonValueKind.Object && ev.Data.TryGetProperty("guest", out var g) && g.ValueKind == JsonValueKind.True;
            var reason = ev.Data.ValueKind == JsonValueKind.Object && ev.Data.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : "";
            try
            {
                // The first SHUTDOWN is the cause; the quit that follows a guest power-off emits another.
                if (!File.Exists(vm.Paths.ShutdownFile))
                {
                    VmJson.Write(vm.Paths.ShutdownFile, new ShutdownRecord(guest, reason, ev.Timestamp));
                }
            }
            catch (IOException)
            {
                // the VM is being deleted
            }

            if (guest)
            {
                VmLog.GuestShutdown(_log, vm.Id, reason);
                await TryExecuteAsync(qmp, "quit", CancellationToken.None);
            }
        }
    }

    private void StartPump(VmInstance vm)
    {
        if (vm.Record.Spec.ConsoleLogPath is not { } logPath || vm.Pump is not null)
        {
            return;
        }

        var pump = new ConsoleLogPump(vm.Paths.ConsoleRaw, vm.Paths.ConsoleOffset, logPath, _time);
        vm.PumpCancel = new CancellationTokenSource();
        var token = vm.PumpCancel.Token;
        vm.Pump = Task.Run(() => pump.RunAsync(() => vm.Gone, token), CancellationToken.None);
    }

    private async Task<bool> WaitGoneAsync(VmInstance vm, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        while (!vm.Gone)
        {
            if (_time.GetElapsedTime(start) >= timeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), cancellationToken);
        }

        return true;
    }

    private async Task QuitOrKillAsync(VmInstance vm, QmpClient? qmp, CancellationToken cancellationToken)
    {
        if (qmp is not null)
        {
            await TryExecuteAsync(qmp, "quit", cancellationToken);
            if (await WaitGoneAsync(vm, _options.QuitTimeout, cancellationToken))
            {
                return;
            }
        }

        if (vm.QemuPid is { } pid && vm.QemuAlive)
        {
            HostProcess.Kill(pid);
        }

        if (!await WaitGoneAsync(vm, _options.QuitTimeout, cancellationToken) && HostProcess.ReadPidFile(vm.Paths.ShimPidFile) is { } shim)
        {
            HostProcess.Kill(shim);
        }
    }

    /// <summary>Kills QEMU if needed and removes everything the VM had: the Create-failure path and Delete.</summary>
    private async Task DestroyAsync(VmInstance vm, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        if (!vm.Gone)
        {
            if (!File.Exists(vm.Paths.StopFile))
            {
                VmJson.Write(vm.Paths.StopFile, new StopRecord(_time.GetUtcNow(), _time.GetUtcNow()));
            }

            await QuitOrKillAsync(vm, vm.Qmp is { Completion.IsCompleted: false } q ? q : null, cancellationToken);
        }

        await DetachAsync(vm);
        if (vm.Record.Spec.Network is { } net && vm.Record.Network is { } state)
        {
            try
            {
                await PodNetworkSetup.TeardownAsync(net, state, cancellationToken);
            }
            catch (VmRuntimeException e)
            {
                errors.Add("network: " + e.Message);
            }
        }

        if (vm.Record.Spec.CgroupParent is { } parent)
        {
            try
            {
                await VmCgroup.Resolve(_options.CgroupRoot, parent, vm.Id).RemoveAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or VmRuntimeException)
            {
                errors.Add("cgroup: " + e.Message);
            }
        }

        try
        {
            Directory.Delete(vm.Paths.Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // already gone
        }
        catch (IOException e)
        {
            errors.Add("state directory: " + e.Message);
        }

        _vms.TryRemove(vm.Id, out _);
        foreach (var e in errors)
        {
            VmLog.CleanupFailed(_log, vm.Id, "delete", e);
        }
    }

    private static async Task DetachAsync(VmInstance vm)
    {
        if (vm.PumpCancel is { } cancel)
        {
            await cancel.CancelAsync();
            try
            {
                await (vm.Pump ?? Task.CompletedTask);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // the last pump is best effort
            }

            cancel.Dispose();
            vm.PumpCancel = null;
            vm.Pump = null;
        }

        if (vm.Qmp is { } qmp)
        {
            await qmp.DisposeAsync();
            vm.Qmp = null;
        }

        if (vm.Monitor is { } monitor)
        {
            await monitor;
            vm.Monitor = null;
        }
    }
}
