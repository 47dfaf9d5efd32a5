namespace Berth.Runtime.Vm;

/// <summary>A QMP SHUTDOWN event as recorded: <c>guest</c> says the guest initiated it, <c>reason</c> is QEMU's ShutdownCause (guest-shutdown, host-qmp-quit, host-signal, ...).</summary>
public sealed record ShutdownRecord(bool Guest, string Reason, DateTimeOffset At);
