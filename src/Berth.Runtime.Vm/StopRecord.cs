namespace Berth.Runtime.Vm;

/// <summary>What <see cref="VmRuntime.StopAsync"/> did: when it pressed the power button, and when (if) it had to quit after the grace period.</summary>
public sealed record StopRecord(DateTimeOffset RequestedAt, DateTimeOffset? QuitAt);
