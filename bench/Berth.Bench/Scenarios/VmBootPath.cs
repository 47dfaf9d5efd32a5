namespace Berth.Bench.Scenarios;

/// <summary>
/// One way of getting from nothing to a guest answering HTTP. The scenario times each path in
/// turn, several times, interleaved. Paths today: bare QEMU, and the VM runtime
/// (Create → Start). The full Berth path (POST a VM pod to `berth up` → scheduled → agent →
/// runtime → HTTP) is a third implementation to add once the agent runs VM pods.
/// </summary>
internal abstract class VmBootPath
{
    public abstract string Name { get; }

    public abstract Task<VmBootSample> RunOnceAsync(VmBootContext ctx, CancellationToken cancellationToken);
}
