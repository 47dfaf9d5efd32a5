namespace Berth.Runtime.Vm;

/// <summary>
/// The files of one VM under <c>STATE_ROOT/ID/</c>. Everything the runtime needs to find a VM
/// again after an agent restart lives here; <see cref="VmRuntime.DeleteAsync"/> removes the directory.
/// </summary>
public sealed record VmPaths(string Directory)
{
    /// <summary>The persisted <see cref="VmRecord"/>.</summary>
    public string RecordFile => Path.Combine(Directory, "vm.json");

    public string QmpSocket => Path.Combine(Directory, "qmp.sock");

    /// <summary>The serial console (a QEMU socket chardev, one client at a time): <c>berth vm console</c>.</summary>
    public string ConsoleSocket => Path.Combine(Directory, "console.sock");

    /// <summary>Everything the guest wrote to the serial console, raw, appended by QEMU itself (chardev <c>logfile</c>).</summary>
    public string ConsoleRaw => Path.Combine(Directory, "console.raw");

    /// <summary>How many bytes of <see cref="ConsoleRaw"/> are already in the CRI log.</summary>
    public string ConsoleOffset => Path.Combine(Directory, "console.offset");

    public string QemuPidFile => Path.Combine(Directory, "qemu.pid");

    public string ShimPidFile => Path.Combine(Directory, "shim.pid");

    /// <summary>QEMU's exit status, written by the shim when QEMU exits (128+N for signal N).</summary>
    public string ExitFile => Path.Combine(Directory, "exit");

    /// <summary>QEMU's stdout and stderr.</summary>
    public string QemuLog => Path.Combine(Directory, "qemu.log");

    /// <summary>The last QMP SHUTDOWN event seen (<see cref="ShutdownRecord"/>).</summary>
    public string ShutdownFile => Path.Combine(Directory, "shutdown.json");

    /// <summary>Written by <see cref="VmRuntime.StopAsync"/> (<see cref="StopRecord"/>).</summary>
    public string StopFile => Path.Combine(Directory, "stop.json");

    public string SeedImage => Path.Combine(Directory, "cidata.img");

    public string DiskFile(string name) => Path.Combine(Directory, "disk-" + name + ".qcow2");
}
