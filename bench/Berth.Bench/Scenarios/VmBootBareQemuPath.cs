using System.Diagnostics;
using System.Globalization;
using Berth.Runtime.Vm.Cloud;

namespace Berth.Bench.Scenarios;

/// <summary>
/// The baseline: <c>qemu-system-x86_64</c> started by hand in a pod namespace that is already
/// wired (bridge + tap, untimed) with a seed disk made beforehand (untimed), the same kernel,
/// initrd, kernel arguments, accelerator and guest size as the runtime uses. Timed from exec to
/// the guest's HTTP answering.
/// </summary>
internal sealed class VmBootBareQemuPath : VmBootPath
{
    public override string Name => "bare qemu";

    public override async Task<VmBootSample> RunOnceAsync(VmBootContext ctx, CancellationToken cancellationToken)
    {
        using var pod = VmBootPodNetns.Create();
        var dir = Path.Combine(ctx.WorkDir, "bare-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        var mac = "52:54:00:00:be:01";
        VmBootShell.Run("ip", "-n", pod.Name, "link", "add", "vmbr0", "type", "bridge");
        VmBootShell.Run("ip", "-n", pod.Name, "tuntap", "add", "vmtap0", "mode", "tap");
        VmBootShell.Run("ip", "-n", pod.Name, "addr", "flush", "dev", "eth0");
        VmBootShell.Run("ip", "-n", pod.Name, "link", "set", "eth0", "master", "vmbr0");
        VmBootShell.Run("ip", "-n", pod.Name, "link", "set", "vmtap0", "master", "vmbr0");
        foreach (var l in new[] { "vmbr0", "vmtap0", "eth0" })
        {
            VmBootShell.Run("ip", "-n", pod.Name, "link", "set", l, "up");
        }

        var seed = Path.Combine(dir, "seed.img");
        var net = new GuestNetwork(mac, pod.PodIp, 24, pod.Gateway, [], []);
        await NoCloudSeed.WriteImageAsync(seed, NoCloudSeed.Files("bare", "bare", new Berth.Runtime.Vm.CloudInitSeed(VmBootContext.UserData), net), cancellationToken);

        string[] args =
        [
            "--net=" + pod.NetnsPath, "--", "qemu-system-x86_64",
            "-nodefaults", "-no-user-config", "-display", "none", "-machine", "pc", "-accel", VmBootContext.Accel,
            "-smp", "1", "-m", ctx.MemoryMiB.ToString(CultureInfo.InvariantCulture) + "M",
            "-kernel", ctx.Images.Kernel, "-initrd", ctx.Images.Initrd, "-append", VmBootContext.Cmdline,
            "-serial", "file:" + Path.Combine(dir, "console.raw"),
            "-drive", $"file={seed},if=none,id=cidata,format=raw,readonly=on", "-device", "virtio-blk-pci,drive=cidata",
            "-netdev", "tap,id=net0,ifname=vmtap0,script=no,downscript=no", "-device", "virtio-net-pci,netdev=net0,mac=" + mac,
        ];
        var psi = new ProcessStartInfo("nsenter") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        using var qemu = Process.Start(psi)!;
        try
        {
            await VmBootShell.WaitHttpAsync($"http://{pod.PodIp}/", ctx.Timeout, cancellationToken);
            var seconds = sw.Elapsed.TotalSeconds;
            var memory = VmBootMemory.Read(qemu.Id, ctx.MemoryMiB, VmBootContext.TcgCacheMiB);
            return new VmBootSample(Name, seconds, null, memory, 0, null);
        }
        finally
        {
            qemu.Kill();
            await qemu.WaitForExitAsync(CancellationToken.None);
            Directory.Delete(dir, recursive: true);
        }
    }
}
