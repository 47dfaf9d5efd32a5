namespace Berth.Runtime.Vm;

/// <summary>What is known when QEMU is gone, for <see cref="VmExitClassifier"/>.</summary>
public sealed record VmExitFacts(int? ExitCode, ShutdownRecord? Shutdown, StopRecord? Stop, bool OomKilled, string QemuOutputTail);
