namespace Berth.Runtime.Vm;

/// <summary>The values of <see cref="VmStatus.Reason"/> for an exited VM (like a container's terminated reason).</summary>
public static class VmExitReasons
{
    /// <summary>The guest powered itself off (not asked to).</summary>
    public const string GuestShutdown = "GuestShutdown";

    /// <summary>Stopped by <see cref="VmRuntime.StopAsync"/>: the guest honoured the ACPI power button within the grace period.</summary>
    public const string Stopped = "Stopped";

    /// <summary>Stopped by <see cref="VmRuntime.StopAsync"/>: the guest ignored the power button, QEMU was told to quit after the grace period.</summary>
    public const string StopTimeout = "StopTimeout";

    /// <summary>QEMU was killed by a signal it did not ask for (<c>kill -9</c>, a crash).</summary>
    public const string Killed = "Killed";

    /// <summary>The cgroup's memory limit was hit and the kernel killed QEMU.</summary>
    public const string OomKilled = "OOMKilled";

    /// <summary>QEMU exited with an error of its own (bad arguments, a device failed); the message holds its last output.</summary>
    public const string Error = "Error";

    /// <summary>QEMU was told to quit by someone other than the runtime (a QMP client, SIGTERM).</summary>
    public const string Quit = "Quit";

    /// <summary>QEMU and its shim are gone and left no exit status.</summary>
    public const string Unknown = "Unknown";
}
