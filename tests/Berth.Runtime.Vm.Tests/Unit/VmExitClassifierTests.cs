namespace Berth.Runtime.Vm.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class VmExitClassifierTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly ShutdownRecord GuestOff = new(true, "guest-shutdown", T);
    private static readonly ShutdownRecord HostQuit = new(false, "host-qmp-quit", T);

    public static TheoryData<VmExitFacts, string> Cases => new()
    {
        { new VmExitFacts(0, GuestOff, null, false, ""), VmExitReasons.GuestShutdown },
        { new VmExitFacts(0, GuestOff, new StopRecord(T, null), false, ""), VmExitReasons.Stopped },
        { new VmExitFacts(0, HostQuit, new StopRecord(T, T.AddSeconds(30)), false, ""), VmExitReasons.StopTimeout },
        { new VmExitFacts(0, HostQuit, new StopRecord(T, null), false, ""), VmExitReasons.Stopped },
        { new VmExitFacts(137, null, null, false, ""), VmExitReasons.Killed },
        { new VmExitFacts(137, null, null, true, ""), VmExitReasons.OomKilled },
        { new VmExitFacts(0, HostQuit, null, false, ""), VmExitReasons.Quit },
        { new VmExitFacts(1, null, null, false, "qemu-system-x86_64: -drive file=/x: Could not open '/x'"), VmExitReasons.Error },
        { new VmExitFacts(null, null, null, false, ""), VmExitReasons.Unknown },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classifies_what_an_exited_vm_left_behind(VmExitFacts facts, string reason)
    {
        Assert.Equal(reason, VmExitClassifier.Classify(facts).Reason);
    }

    [Fact]
    public void Messages_say_the_signal_and_carry_qemu_own_words()
    {
        Assert.Equal("QEMU was killed by signal 9", VmExitClassifier.Classify(new VmExitFacts(137, null, null, false, "")).Message);
        Assert.EndsWith("Could not open '/x'", VmExitClassifier.Classify(new VmExitFacts(1, null, null, false, "Could not open '/x'")).Message, StringComparison.Ordinal);
    }
}
