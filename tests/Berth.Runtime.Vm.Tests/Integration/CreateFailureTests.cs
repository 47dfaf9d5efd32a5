using Berth.Runtime.Vm.Tests.Support;

namespace Berth.Runtime.Vm.Tests.Integration;

/// <summary>A Create that QEMU refuses fails with QEMU's own words and undoes everything it made.</summary>
[Trait("Tier", "Integration")]
public sealed class CreateFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_kernel_qemu_cannot_load_fails_create_with_its_message_and_leaves_nothing()
    {
        using var pod = TestPodNetwork.Create();
        await using var env = new VmTestRuntime();
        var bogus = Path.Combine(env.StateRoot, "not-a-kernel");
        await File.WriteAllTextAsync(bogus, "this is not a kernel", Ct);
        var spec = new VmSpec
        {
            Id = "bad-kernel",
            Boot = new KernelBoot(bogus),
            Network = pod.ToVmNetwork(),
            CgroupParent = env.CgroupParent,
            Acceleration = AccelerationPreference.Tcg,
        };

        var e = await Assert.ThrowsAsync<VmRuntimeException>(() => env.Runtime.CreateAsync(spec, Ct));
        Assert.Contains("QEMU exited while starting VM bad-kernel", e.Message, StringComparison.Ordinal);
        Assert.Contains("qemu: invalid kernel header", e.Message, StringComparison.Ordinal);

        Assert.False(Directory.Exists(Path.Combine(env.StateRoot, "bad-kernel")));
        Assert.False(Directory.Exists(Path.Combine("/sys/fs/cgroup/memory", env.CgroupParent, "vm-bad-kernel")));
        Assert.Contains($"inet {pod.PodIp}/24", Sh.Run("ip", "-n", pod.Name, "-o", "addr", "show", "eth0"), StringComparison.Ordinal);
        Assert.DoesNotContain("vmtap0", Sh.Run("ip", "-n", pod.Name, "-o", "link"), StringComparison.Ordinal);
        Assert.Empty(env.Runtime.List());
    }
}
