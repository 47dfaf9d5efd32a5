namespace Berth.Runtime.Vm;

/// <summary>Turns what an exited VM left behind into a reason and message (<see cref="VmExitReasons"/>).</summary>
public static class VmExitClassifier
{
    public static (string Reason, string Message) Classify(VmExitFacts f)
    {
        if (f.OomKilled && f.ExitCode is null or >= 128)
        {
            return (VmExitReasons.OomKilled, "QEMU was killed by the kernel: the VM's cgroup reached its memory limit (guest RAM + overhead)");
        }

        if (f.Stop is { } stop)
        {
            if (stop.QuitAt is not null)
            {
                return (VmExitReasons.StopTimeout, $"the guest did not power off within the grace period after the ACPI power button; QEMU was told to quit at {stop.QuitAt:O}");
            }

            if (f.Shutdown is { Guest: true })
            {
                return (VmExitReasons.Stopped, "the guest powered off after the ACPI power button");
            }

            if (f.ExitCode is 0)
            {
                return (VmExitReasons.Stopped, "stopped");
            }
        }

        if (f.Shutdown is { Guest: true })
        {
            return (VmExitReasons.GuestShutdown, $"the guest powered off ({f.Shutdown.Reason})");
        }

        switch (f.ExitCode)
        {
            case null:
                return (VmExitReasons.Unknown, "QEMU and its shim are gone without an exit status");
            case >= 128 and < 160:
                return (VmExitReasons.Killed, $"QEMU was killed by signal {f.ExitCode - 128}");
            case 0 when f.Shutdown is { } s:
                return (VmExitReasons.Quit, $"QEMU was told to quit ({s.Reason})");
            case 0:
                return (VmExitReasons.Quit, "QEMU exited on its own");
            default:
                return (VmExitReasons.Error, $"QEMU exited with {f.ExitCode}" + (f.QemuOutputTail.Length > 0 ? ": " + f.QemuOutputTail : ""));
        }
    }
}
