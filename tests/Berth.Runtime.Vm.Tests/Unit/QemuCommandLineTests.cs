namespace Berth.Runtime.Vm.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class QemuCommandLineTests
{
    private static readonly VmPaths Paths = new("/run/vm/web-1");

    private static string Joined(QemuLaunch launch) => string.Join(' ', QemuCommandLine.Build(launch));

    private static IReadOnlyList<string> ValueOf(IReadOnlyList<string> args, string option) =>
        args.Select((a, i) => (a, i)).Where(t => t.a == option).Select(t => args[t.i + 1]).ToList();

    [Fact]
    public void Kernel_boot_under_tcg_with_a_seed_and_a_tap()
    {
        var spec = new VmSpec { Id = "web-1", Boot = new KernelBoot("/img/boot/vmlinuz", "/img/boot/initrd", "quiet"), Vcpus = 2, MemoryMiB = 256 };
        var args = QemuCommandLine.Build(new QemuLaunch(spec, Paths, Accelerator.Tcg, [], "/run/vm/web-1/cidata.img", "vmtap0", "52:54:00:01:02:03", 64));

        Assert.Equal(["tcg,tb-size=64"], ValueOf(args, "-accel"));
        Assert.Empty(ValueOf(args, "-cpu"));
        Assert.Equal(["2"], ValueOf(args, "-smp"));
        Assert.Equal(["256M"], ValueOf(args, "-m"));
        Assert.Contains("-S", args);
        Assert.Contains("-no-shutdown", args);
        Assert.Contains("-nodefaults", args);
        Assert.Equal(["/img/boot/vmlinuz"], ValueOf(args, "-kernel"));
        Assert.Equal(["/img/boot/initrd"], ValueOf(args, "-initrd"));
        Assert.Equal(["quiet console=ttyS0"], ValueOf(args, "-append"));
        Assert.Equal(["unix:/run/vm/web-1/qmp.sock,server=on,wait=off"], ValueOf(args, "-qmp"));
        Assert.Equal(["socket,id=console,path=/run/vm/web-1/console.sock,server=on,wait=off,logfile=/run/vm/web-1/console.raw,logappend=on"], ValueOf(args, "-chardev"));
        Assert.Equal(["chardev:console"], ValueOf(args, "-serial"));
        Assert.Equal(["file=/run/vm/web-1/cidata.img,if=none,id=cidata,format=raw,readonly=on"], ValueOf(args, "-drive"));
        Assert.Equal(["tap,id=net0,ifname=vmtap0,script=no,downscript=no"], ValueOf(args, "-netdev"));
        Assert.Equal(["virtio-blk-pci,drive=cidata,serial=cidata", "virtio-net-pci,netdev=net0,mac=52:54:00:01:02:03"], ValueOf(args, "-device"));
    }

    [Fact]
    public void Disk_boot_under_kvm_puts_the_boot_disk_first_with_bootindex()
    {
        var boot = VmDisk.Overlay("root", "/img/disk/disk.qcow2");
        var spec = new VmSpec { Id = "web-1", Boot = new DiskBoot(boot), Disks = [VmDisk.Empty("scratch", 1 << 30)] };
        var disks = new[]
        {
            new ResolvedDisk("root", "/run/vm/web-1/disk-root.qcow2", "qcow2", false, true),
            new ResolvedDisk("scratch", "/run/vm/web-1/disk-scratch.qcow2", "qcow2", true, false),
        };
        var args = QemuCommandLine.Build(new QemuLaunch(spec, Paths, Accelerator.Kvm, disks, null, null, null, 64));

        Assert.Equal(["kvm"], ValueOf(args, "-accel"));
        Assert.Equal(["host"], ValueOf(args, "-cpu"));
        Assert.Empty(ValueOf(args, "-kernel"));
        Assert.Empty(ValueOf(args, "-netdev"));
        Assert.Equal(
        [
            "file=/run/vm/web-1/disk-root.qcow2,if=none,id=disk-root,format=qcow2,cache=writeback,discard=unmap",
            "file=/run/vm/web-1/disk-scratch.qcow2,if=none,id=disk-scratch,format=qcow2,cache=writeback,discard=unmap,readonly=on",
        ], ValueOf(args, "-drive"));
        Assert.Equal(["virtio-blk-pci,drive=disk-root,serial=root,bootindex=1", "virtio-blk-pci,drive=disk-scratch,serial=scratch"], ValueOf(args, "-device"));
    }

    [Fact]
    public void Commas_in_paths_are_doubled_as_qemu_requires()
    {
        var spec = new VmSpec { Id = "a", Boot = new KernelBoot("/k,1") };
        var text = Joined(new QemuLaunch(spec, new VmPaths("/s,t/a"), Accelerator.Tcg, [new ResolvedDisk("d", "/x,y.raw", "raw", false, false)], null, null, null, null));
        Assert.Contains("unix:/s,,t/a/qmp.sock,server=on", text, StringComparison.Ordinal);
        Assert.Contains("file=/x,,y.raw,if=none", text, StringComparison.Ordinal);
        Assert.Contains("-accel tcg ", text, StringComparison.Ordinal);
        Assert.Contains("-kernel /k,1 ", text, StringComparison.Ordinal); // a plain argument, not an option list: no escaping
    }
}
