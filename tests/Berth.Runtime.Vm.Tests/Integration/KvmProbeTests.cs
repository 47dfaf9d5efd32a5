using System.Diagnostics;

namespace Berth.Runtime.Vm.Tests.Integration;

/// <summary>
/// The KVM probe on this machine. Its /dev/kvm is nested PVM, which cannot boot a stock kernel,
/// so the probe must say "unusable" quickly and explain why; where /dev/kvm is absent it says so.
/// On a host with working KVM the first test fails, on purpose: the decision must then be KVM.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class KvmProbeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Nested_pvm_kvm_here_is_found_unusable_within_the_timeout()
    {
        Assert.True(File.Exists("/dev/kvm"), "this test describes the build machine, whose /dev/kvm is nested PVM");
        var sw = Stopwatch.StartNew();
        var decision = await KvmProbe.RunAsync(new KvmProbeOptions(), "qemu-system-x86_64", Ct);
        Assert.Equal(Accelerator.Tcg, decision.Accelerator);
        Assert.StartsWith("KVM probe boot", decision.Reason, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < new KvmProbeOptions().Timeout + TimeSpan.FromSeconds(3), $"probe took {sw.Elapsed}");
    }

    [Fact]
    public async Task Without_a_kvm_device_the_decision_is_tcg_at_once()
    {
        var decision = await KvmProbe.RunAsync(new KvmProbeOptions { DevicePath = "/nonexistent/kvm" }, "qemu-system-x86_64", Ct);
        Assert.Equal(Accelerator.Tcg, decision.Accelerator);
        Assert.StartsWith("no /dev/kvm", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_runtime_probes_once_and_remembers_the_decision_across_restarts()
    {
        var root = Directory.CreateTempSubdirectory("bt-vm-").FullName;
        try
        {
            await using var first = new VmRuntime(new VmRuntimeOptions { StateRoot = root });
            var d1 = await first.GetAccelerationAsync(Ct);
            Assert.True(File.Exists(Path.Combine(root, "acceleration.json")));
            await using var second = new VmRuntime(new VmRuntimeOptions { StateRoot = root, QemuPath = "/nonexistent/qemu" });
            var sw = Stopwatch.StartNew();
            var d2 = await second.GetAccelerationAsync(Ct);
            Assert.Equal(d1, d2);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(1));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
