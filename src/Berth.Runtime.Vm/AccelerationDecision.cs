namespace Berth.Runtime.Vm;

/// <summary>
/// Which accelerator VMs on this node use and why, for the agent to report as an event on the
/// pod (e.g. "KVM unusable: probe boot did not reach the kernel's init within 8 s; using TCG").
/// </summary>
public sealed record AccelerationDecision(Accelerator Accelerator, string Reason, TimeSpan ProbeDuration)
{
    public bool KvmUsable => Accelerator == Accelerator.Kvm;
}
