namespace Berth.Bench.Scenarios;

/// <summary>
/// One way of getting from nothing to a guest answering HTTP. The scenario times each path in
/// turn, several times, interleaved: bare QEMU (<see cref="VmBootBareQemuPath"/>), the VM runtime
/// alone, Create → Start (<see cref="VmBootRuntimePath"/>), and Berth end to end, POST of a VM pod
/// to `berth up` → agent → runtime → HTTP (<see cref="VmBootApiPath"/>).
/// </summary>
internal abstract class VmBootPath
{
    public abstract string Name { get; }

    public abstract Task<VmBootSample> RunOnceAsync(VmBootContext ctx, CancellationToken cancellationToken);
}
