using System.Diagnostics;
using System.Globalization;
using Berth.Runtime.Vm;

namespace Berth.Bench.Scenarios;

/// <summary>
/// The VM runtime as the agent will call it: CreateAsync (network wiring, seed, cgroup, QEMU
/// paused) then StartAsync, timed until the guest's HTTP answers. The pod namespace exists
/// beforehand (CNI's work, untimed).
/// </summary>
internal sealed class VmBootRuntimePath(VmRuntime runtime, string cgroupParent) : VmBootPath
{
    public override string Name => "berth runtime";

    public override async Task<VmBootSample> RunOnceAsync(VmBootContext ctx, CancellationToken cancellationToken)
    {
        using var pod = VmBootPodNetns.Create();
        var id = "bench-" + Guid.NewGuid().ToString("N")[..6];
        var spec = new VmSpec
        {
            Id = id,
            Boot = new KernelBoot(ctx.Images.Kernel, ctx.Images.Initrd, VmBootContext.Cmdline),
            MemoryMiB = ctx.MemoryMiB,
            CloudInit = new CloudInitSeed(VmBootContext.UserData),
            Network = pod.ToVmNetwork(VmNetworkMode.Bridge),
            ConsoleLogPath = Path.Combine(ctx.WorkDir, "logs", id + ".log"),
            CgroupParent = cgroupParent,
        };

        var sw = Stopwatch.StartNew();
        try
        {
            await runtime.CreateAsync(spec, cancellationToken);
            var created = sw.Elapsed.TotalSeconds;
            var status = await runtime.StartAsync(id, cancellationToken);
            await VmBootShell.WaitHttpAsync($"http://{pod.PodIp}/", ctx.Timeout, cancellationToken);
            var seconds = sw.Elapsed.TotalSeconds;
            var memory = VmBootMemory.Read(status.Pid!.Value, ctx.MemoryMiB, VmBootContext.TcgCacheMiB);
            var shimPid = int.Parse(File.ReadAllText(runtime.GetPaths(id).ShimPidFile).Trim(), CultureInfo.InvariantCulture);
            var usage = Path.Combine("/sys/fs/cgroup/memory", cgroupParent, "vm-" + id, "memory.usage_in_bytes");
            double? cgroup = File.Exists(usage) ? long.Parse(File.ReadAllText(usage).Trim(), CultureInfo.InvariantCulture) / 1048576.0 : null;
            return new VmBootSample(Name, seconds, created, memory, VmBootMemory.RssMib(shimPid), cgroup);
        }
        finally
        {
            await runtime.DeleteAsync(id, CancellationToken.None);
        }
    }
}
