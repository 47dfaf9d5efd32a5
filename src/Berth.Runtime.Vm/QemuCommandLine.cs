using System.Globalization;

namespace Berth.Runtime.Vm;

/// <summary>
/// Turns a VM into <c>qemu-system-x86_64</c> arguments. The machine is <c>pc</c> (SeaBIOS boots
/// both kernels and disks) with no default devices; every disk is virtio-blk-pci, the NIC
/// virtio-net-pci on a tap, the serial console a socket chardev that also logs to a file.
/// QEMU starts with the CPUs stopped (<c>-S</c>, Start sends <c>cont</c>) and
/// <c>-no-shutdown</c>: when the guest powers off QEMU stays (status "shutdown") until the
/// runtime has recorded why and sent <c>quit</c>, so the reason survives an agent restart.
/// Option values escape ',' as ',,' (QEMU's rule).
/// </summary>
public static class QemuCommandLine
{
    public static IReadOnlyList<string> Build(QemuLaunch launch)
    {
        var spec = launch.Spec;
        var p = launch.Paths;
        var args = new List<string>
        {
            "-name", "guest=" + Esc(spec.Id),
            "-nodefaults", "-no-user-config", "-display", "none",
            "-machine", "pc",
        };
        if (launch.Accelerator == Accelerator.Kvm)
        {
            args.AddRange(["-accel", "kvm", "-cpu", "host"]);
        }
        else
        {
            args.AddRange(["-accel", launch.TcgTranslationCacheMiB is { } tb ? "tcg,tb-size=" + tb.ToString(CultureInfo.InvariantCulture) : "tcg"]);
        }

        args.AddRange(
        [
            "-smp", spec.Vcpus.ToString(CultureInfo.InvariantCulture),
            "-m", spec.MemoryMiB.ToString(CultureInfo.InvariantCulture) + "M",
            "-S", "-no-shutdown",
            "-pidfile", p.QemuPidFile,
            "-qmp", "unix:" + Esc(p.QmpSocket) + ",server=on,wait=off",
            "-chardev", "socket,id=console,path=" + Esc(p.ConsoleSocket) + ",server=on,wait=off,logfile=" + Esc(p.ConsoleRaw) + ",logappend=on",
            "-serial", "chardev:console",
            "-msg", "timestamp=on",
        ]);

        if (spec.Boot is KernelBoot kb)
        {
            args.AddRange(["-kernel", kb.KernelPath]);
            if (kb.InitrdPath is not null)
            {
                args.AddRange(["-initrd", kb.InitrdPath]);
            }

            args.AddRange(["-append", KernelCmdline.Build(kb.Cmdline)]);
        }

        foreach (var d in launch.Disks)
        {
            var drive = $"file={Esc(d.File)},if=none,id=disk-{d.Name},format={d.Format},cache=writeback,discard=unmap";
            if (d.ReadOnly)
            {
                drive += ",readonly=on";
            }

            args.AddRange(["-drive", drive, "-device", $"virtio-blk-pci,drive=disk-{d.Name},serial={d.Name}" + (d.Boot ? ",bootindex=1" : "")]);
        }

        if (launch.SeedImage is not null)
        {
            args.AddRange(
            [
                "-drive", $"file={Esc(launch.SeedImage)},if=none,id=cidata,format=raw,readonly=on",
                "-device", "virtio-blk-pci,drive=cidata,serial=cidata",
            ]);
        }

        if (launch.TapName is not null)
        {
            args.AddRange(
            [
                "-netdev", $"tap,id=net0,ifname={launch.TapName},script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=net0,mac=" + launch.GuestMac,
            ]);
        }

        return args;
    }

    private static string Esc(string value) => value.Replace(",", ",,", StringComparison.Ordinal);
}
