using Berth.Runtime.Vm.Tests.Support;

namespace Berth.Runtime.Vm.Tests.Integration;

/// <summary>
/// The containerDisk image boots by itself (SeaBIOS → syslinux → kernel) from a copy-on-write
/// overlay, behind masquerade networking, and a guest that ignores the power button is quit
/// after the grace period.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class ContainerDiskVmTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Boots_from_an_overlay_serves_through_masquerade_and_is_quit_after_the_grace_period()
    {
        var images = GuestImages.Get();
        using var pod = TestPodNetwork.Create();
        await using var env = new VmTestRuntime();
        var id = "cd-" + Guid.NewGuid().ToString("N")[..6];
        var baseBefore = File.GetLastWriteTimeUtc(images.Disk);
        var spec = new VmSpec
        {
            Id = id,
            Boot = new DiskBoot(VmDisk.Overlay("containerdisk", images.Disk)),
            Disks = [VmDisk.Empty("scratch", 64L << 20)],
            MemoryMiB = 128,
            // no ACPI handler from here on: Stop must fall back to quit
            CloudInit = new CloudInitSeed("#!/bin/sh\nkillall acpid\nmkdir -p /srv && echo containerdisk >/srv/index.html && httpd -p 80 -h /srv\n"),
            Network = pod.ToVmNetwork(VmNetworkMode.Masquerade),
            ConsoleLogPath = env.LogPath(id),
            Acceleration = AccelerationPreference.Tcg,
        };

        await env.Runtime.CreateAsync(spec, Ct);
        var overlay = env.Runtime.GetPaths(id).DiskFile("containerdisk");
        Assert.Contains($"backing file: {images.Disk}", Sh.Run("qemu-img", "info", "-U", overlay), StringComparison.Ordinal);
        Assert.Contains($"inet {pod.PodIp}/24", Sh.Run("ip", "-n", pod.Name, "-o", "addr", "show", "eth0"), StringComparison.Ordinal);

        await env.Runtime.StartAsync(id, Ct);
        Assert.Equal("containerdisk\n", await Wait.HttpAsync($"http://{pod.PodIp}/", TimeSpan.FromSeconds(180), spec.ConsoleLogPath));
        var log = File.ReadAllText(spec.ConsoleLogPath);
        Assert.Contains("SYSLINUX", log, StringComparison.Ordinal);
        Assert.Contains("berth-guest: eth0: 10.0.2.2/24 (network-config)", log, StringComparison.Ordinal);

        var stopped = await env.Runtime.StopAsync(id, TimeSpan.FromSeconds(2), Ct);
        Assert.Equal((VmState.Exited, VmExitReasons.StopTimeout, 0), (stopped.State, stopped.Reason, stopped.ExitCode));

        await env.Runtime.DeleteAsync(id, Ct);
        Assert.False(File.Exists(overlay));
        Assert.Equal(baseBefore, File.GetLastWriteTimeUtc(images.Disk));
        Assert.DoesNotContain("BERTH-VM", Sh.Run("ip", "netns", "exec", pod.Name, "iptables", "-t", "nat", "-S"), StringComparison.Ordinal);
        Assert.DoesNotContain("vmtap0", Sh.Run("ip", "-n", pod.Name, "-o", "link"), StringComparison.Ordinal);
    }
}
