using System.Globalization;
using System.Text.Json;
using Berth.Runtime.Vm;

namespace Berth.Bench.Scenarios;

/// <summary>
/// <c>bench/run vm-boot [--runs N] [--memory MiB] [--no-net] [--data-dir DIR]</c>: the same
/// kernel and initrd booted by bare QEMU and by the VM runtime until the guest's HTTP answers
/// (interleaved, medians), the memory each VM costs beyond its guest RAM, and (unless --no-net)
/// the bridge vs masquerade comparison. Under TCG here (the KVM probe says why).
/// </summary>
public sealed class VmBootScenario : IScenario
{
    public string Name => "vm-boot";

    public string Description => "VM boot to HTTP: bare qemu vs the VM runtime; memory overhead per VM; bridge vs masquerade";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var runs = 3;
        var memory = 256;
        var net = true;
        var dataDir = "/tmp/berth-bench-vm";
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--memory": memory = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--no-net": net = false; break;
                case "--data-dir": dataDir = args[++i]; break;
                default:
                    Console.Error.WriteLine($"vm-boot: unknown option {args[i]}");
                    return 2;
            }
        }

        var repo = Environment.GetEnvironmentVariable("BERTH_REPO_ROOT") ?? Directory.GetCurrentDirectory();
        Directory.CreateDirectory(dataDir);
        var images = VmBootImages.Build(repo, dataDir);
        var work = Directory.CreateTempSubdirectory("bt-vb-").FullName;
        var cgroupParent = "berth-bench/" + Path.GetFileName(work);
        var ctx = new VmBootContext(images, memory, work, TimeSpan.FromSeconds(180));
        await using var runtime = new VmRuntime(new VmRuntimeOptions { StateRoot = Path.Combine(work, "vm") });
        try
        {
            var accel = await runtime.GetAccelerationAsync(cancellationToken);
            VmBootPath[] paths = [new VmBootBareQemuPath(), new VmBootRuntimePath(runtime, cgroupParent)];
            var samples = new List<VmBootSample>();
            for (var r = 0; r < runs; r++)
            {
                foreach (var path in r % 2 == 0 ? paths : paths.Reverse())
                {
                    var s = await path.RunOnceAsync(ctx, cancellationToken);
                    samples.Add(s);
                    Console.Error.WriteLine($"vm-boot: run {r + 1}/{runs} {s.Path}: {s.Seconds:0.00} s");
                }
            }

            var results = new List<VmBootNetworkComparison.Result>();
            if (net)
            {
                foreach (var mode in new[] { VmNetworkMode.Bridge, VmNetworkMode.Masquerade })
                {
                    results.Add(await VmBootNetworkComparison.MeasureAsync(runtime, ctx, mode, cancellationToken));
                }
            }

            Report(accel, memory, runs, samples, results);
            return 0;
        }
        finally
        {
            foreach (var vm in runtime.List())
            {
                await runtime.DeleteAsync(vm.Id, CancellationToken.None);
            }

            foreach (var ctrl in new[] { "memory", "cpu", "cpuacct", "pids" })
            {
                var dir = Path.Combine("/sys/fs/cgroup", ctrl, cgroupParent);
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir);
                }

                var parent = Path.GetDirectoryName(dir)!;
                if (Directory.Exists(parent) && Directory.GetDirectories(parent).Length == 0)
                {
                    Directory.Delete(parent);
                }
            }

            Directory.Delete(work, recursive: true);
        }
    }

    private static void Report(AccelerationDecision accel, int memory, int runs, List<VmBootSample> samples, List<VmBootNetworkComparison.Result> net)
    {
        static double Med(IEnumerable<double> v) => VmBootNetworkComparison.Median(v.ToList());
        var bare = samples.Where(s => s.Path == "bare qemu").ToList();
        var berth = samples.Where(s => s.Path == "berth runtime").ToList();
        var bareS = Med(bare.Select(s => s.Seconds));
        var berthS = Med(berth.Select(s => s.Seconds));
        var createS = Med(berth.Select(s => s.CreateSeconds ?? 0));
        var overhead = Med(berth.Select(s => s.OverheadMib));
        var privateOverhead = Med(berth.Select(s => s.Memory.PrivateOverheadMib + s.ShimRssMib));
        var shim = Med(berth.Select(s => s.ShimRssMib));
        var bareOverhead = Med(bare.Select(s => s.OverheadMib));
        var guestTouched = Med(berth.Select(s => s.Memory.GuestRamRssKib / 1024.0));
        var tcgCache = Med(berth.Select(s => s.Memory.TcgCacheKib / 1024.0));
        var fileBacked = Med(berth.Select(s => s.Memory.FileBackedMib));
        var cgroup = Med(berth.Where(s => s.CgroupUsageMib is not null).Select(s => s.CgroupUsageMib!.Value));
        var inv = CultureInfo.InvariantCulture;

        Console.WriteLine($"vm-boot: {runs} runs per path, guest {memory} MiB, 1 vCPU, accelerator {accel.Accelerator.ToString().ToLowerInvariant()} ({accel.Reason})");
        Console.WriteLine();
        Console.WriteLine($"{"path",-16} {"to HTTP (s)",12} {"create (s)",11} {"RSS (MiB)",10} {"guest RAM touched",18} {"overhead (MiB)",15}");
        Console.WriteLine($"{"bare qemu",-16} {bareS,12:0.00} {"",11} {Med(bare.Select(s => s.Memory.RssKib / 1024.0)),10:0.0} {Med(bare.Select(s => s.Memory.GuestRamRssKib / 1024.0)),18:0.0} {bareOverhead,15:0.0}");
        Console.WriteLine($"{"berth runtime",-16} {berthS,12:0.00} {createS,11:0.00} {Med(berth.Select(s => s.Memory.RssKib / 1024.0)),10:0.0} {guestTouched,18:0.0} {overhead,15:0.0}");
        Console.WriteLine();
        Console.WriteLine($"ratio to bare qemu: {berthS / bareS:0.00}x; berth adds {berthS - bareS:0.00} s (create {createS:0.00} s)");
        Console.WriteLine($"overhead per VM: {overhead:0.0} MiB = qemu RSS beyond guest RAM + shim {shim:0.0} MiB; private (anonymous, not shared between VMs) {privateOverhead:0.0} MiB");
        Console.WriteLine($"  of which: TCG translation cache {tcgCache:0.0} MiB (tb-size {VmBootContext.TcgCacheMiB}), QEMU binary and libraries (shared) {fileBacked:0.0} MiB; cgroup usage {cgroup:0.0} MiB (incl. guest RAM and page cache)");
        if (net.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"{"network",-12} {"setup (ms)",11} {"teardown (ms)",14} {"p50 c1 (ms)",12} {"p99 c1 (ms)",12} {"req/s c1",9} {"req/s c8",9}");
            foreach (var n in net)
            {
                Console.WriteLine($"{n.Mode.ToString().ToLowerInvariant(),-12} {n.SetupMs,11:0.0} {n.TeardownMs,14:0.0} {n.P50Ms,12:0.00} {n.P99Ms,12:0.00} {n.Rps1,9:0} {n.Rps8,9:0}");
            }
        }

        var json = new Dictionary<string, object?>
        {
            ["scenario"] = "vm-boot",
            ["accelerator"] = accel.Accelerator.ToString().ToLowerInvariant(),
            ["runs"] = runs,
            ["guestMemoryMiB"] = memory,
            ["bareQemuSeconds"] = Math.Round(bareS, 3),
            ["berthRuntimeSeconds"] = Math.Round(berthS, 3),
            ["ratioToBareQemu"] = Math.Round(berthS / bareS, 3),
            ["berthAddedSeconds"] = Math.Round(berthS - bareS, 3),
            ["createSeconds"] = Math.Round(createS, 3),
            ["overheadMb"] = Math.Round(overhead, 1),
            ["overheadPrivateMb"] = Math.Round(privateOverhead, 1),
            ["shimRssMb"] = Math.Round(shim, 2),
            ["bareQemuOverheadMb"] = Math.Round(bareOverhead, 1),
            ["guestRamTouchedMb"] = Math.Round(guestTouched, 1),
            ["tcgCacheMb"] = Math.Round(tcgCache, 1),
            ["sharedFileBackedMb"] = Math.Round(fileBacked, 1),
            ["apiPathSeconds"] = null, // POST → HTTP through berth up: added when the agent runs VM pods
        };
        foreach (var n in net)
        {
            var m = n.Mode.ToString().ToLowerInvariant();
            json[m + "SetupMs"] = Math.Round(n.SetupMs, 1);
            json[m + "P50Ms"] = Math.Round(n.P50Ms, 2);
            json[m + "P99Ms"] = Math.Round(n.P99Ms, 2);
            json[m + "Rps1"] = Math.Round(n.Rps1);
            json[m + "Rps8"] = Math.Round(n.Rps8);
        }

        Console.WriteLine(JsonSerializer.Serialize(json).ToString(inv));
    }
}
