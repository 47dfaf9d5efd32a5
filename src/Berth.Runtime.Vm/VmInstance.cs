using Berth.Runtime.Vm.Host;
using Berth.Runtime.Vm.Qmp;

namespace Berth.Runtime.Vm;

/// <summary>The runtime's in-memory handle on one VM: its record, its QMP connection and console pump. Lost on agent restart, rebuilt by adoption.</summary>
internal sealed class VmInstance(VmPaths paths, VmRecord record)
{
    public VmPaths Paths { get; } = paths;

    public VmRecord Record { get; set; } = record;

    public string Id => Record.Spec.Id;

    /// <summary>Serialises Start/Stop/Delete of this VM.</summary>
    public SemaphoreSlim Lock { get; } = new(1, 1);

    public QmpClient? Qmp { get; set; }

    public Task? Monitor { get; set; }

    public CancellationTokenSource? PumpCancel { get; set; }

    public Task? Pump { get; set; }

    public int? QemuPid => HostProcess.ReadPidFile(Paths.QemuPidFile);

    public bool QemuAlive => QemuPid is { } pid && HostProcess.IsAlive(pid, Paths.Directory);

    public bool ShimAlive => HostProcess.ReadPidFile(Paths.ShimPidFile) is { } pid && HostProcess.IsAlive(pid, Paths.Directory);

    public bool HasExitFile => File.Exists(Paths.ExitFile);

    /// <summary>QEMU is gone for good: the shim recorded its exit, or neither it nor the shim is alive.</summary>
    public bool Gone => HasExitFile || (!QemuAlive && !ShimAlive);
}
