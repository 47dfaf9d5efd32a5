namespace Berth.Runtime.Vm.Tests.Unit;

/// <summary>How a probe boot's outcome becomes the KVM/TCG decision the agent reports on the pod.</summary>
[Trait("Tier", "Unit")]
public sealed class KvmProbeDecisionTests
{
    private static readonly KvmProbeOutcome Booted = new(true, null, "/boot/vmlinuz-6.1", true, 0, false,
        "[    0.8] VFS: Unable to mount root fs on unknown-block(0,0)\n", TimeSpan.FromSeconds(0.9));

    [Fact]
    public void A_kernel_that_reaches_its_root_mount_under_kvm_means_kvm()
    {
        var d = KvmProbe.Decide(Booted);
        Assert.Equal(Accelerator.Kvm, d.Accelerator);
        Assert.True(d.KvmUsable);
        Assert.Contains("reached the kernel's root mount", d.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<KvmProbeOutcome, string> Unusable => new()
    {
        { Booted with { DevicePresent = false }, "no /dev/kvm" },
        { Booted with { DeviceError = "Permission denied" }, "/dev/kvm cannot be opened: Permission denied" },
        { Booted with { Kernel = null }, "no kernel to probe with" },
        // nested PVM with -cpu host: QEMU aborts at once
        {
            Booted with
            {
                ReachedMarker = false, ExitCode = 134, Duration = TimeSpan.FromMilliseconds(60),
                Output = "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\nqemu-system-x86_64: kvm.c:3183: kvm_buf_set_msrs: Assertion failed.\n",
            },
            "qemu exited 134: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69"
        },
        // nested PVM with other CPU models: the guest hangs after "Probing EDD"
        {
            Booted with { ReachedMarker = false, ExitCode = 137, TimedOut = true, Duration = TimeSpan.FromSeconds(8), Output = "Probing EDD (edd=off to disable)... ok\n" },
            "did not finish booting a kernel within 8 s"
        },
    };

    [Theory]
    [MemberData(nameof(Unusable))]
    public void Anything_short_of_a_booted_kernel_means_tcg_and_says_why(KvmProbeOutcome outcome, string why)
    {
        var d = KvmProbe.Decide(outcome);
        Assert.Equal(Accelerator.Tcg, d.Accelerator);
        Assert.Contains(why, d.Reason, StringComparison.Ordinal);
        Assert.EndsWith("using TCG (software emulation, several times slower)", d.Reason, StringComparison.Ordinal);
    }
}
