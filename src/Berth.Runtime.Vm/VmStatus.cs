namespace Berth.Runtime.Vm;

/// <summary>A VM's observed state. <see cref="ExitCode"/>, <see cref="Reason"/>, <see cref="FinishedAt"/> are set once exited.</summary>
public sealed record VmStatus(
    string Id,
    VmState State,
    Accelerator Accelerator,
    int? Pid,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int? ExitCode,
    string? Reason,
    string? Message);
