namespace Berth.Runtime.Vm;

/// <summary>What a KVM probe boot did, before it is judged by <see cref="KvmProbe.Decide"/>.</summary>
public sealed record KvmProbeOutcome(
    bool DevicePresent,
    string? DeviceError,
    string? Kernel,
    bool ReachedMarker,
    int? ExitCode,
    bool TimedOut,
    string Output,
    TimeSpan Duration);
