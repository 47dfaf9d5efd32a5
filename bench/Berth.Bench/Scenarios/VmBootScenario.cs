using System.Globalization;
using System.Text.Json;
using Berth.Runtime.Vm;

namespace Berth.Bench.Scenarios;

/// <summary>
/// <c>bench/run vm-boot [--runs N] [--memory MiB] [--no-net] [--data-dir DIR]</c>: the same
/// kernel and initrd booted three ways until the guest's HTTP answers (interleaved, medians):
/// bare QEMU, the VM runtime alone (Create → Start), and Berth end to end (POST of a VM pod to
/// <c>berth up</c>); the memory each VM costs beyond its guest RAM, and (unless --no-net) the
/// bridge vs masquerade comparison. Under TCG here (the KVM probe says why). <c>ratioToBareQemu</c>
/// and <c>berthAddedSeconds</c> are Berth end to end against bare QEMU.
/// </summary>
public sealed class VmBootScenario : IScenario
{
    public string Name => "vm-boot";

    public string Description => "VM boot to HTTP: bare qemu vs the VM runtime vs POST of a VM pod; memory overhead per VM; bridge vs masquerade";

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
        var (berth, http) = await VmBootApiPath.StartBerthAsync(dataDir);
        try
        {
            var accel = await runtime.GetAccelerationAsync(cancellationToken);
            var api = new VmBootApiPath(berth, http);
            VmBootPath[] paths = [new VmBootBareQemuPath(), new VmBootRuntimePath(runtime, cgroupParent), api];
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

            Report(accel, memory, runs, samples, results, api.BerthRssMib());
            return 0;
        }
        finally
        {
            http.Dispose();
            await berth.DisposeAsync();
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

    private static void Report(AccelerationDecision accel, int memory, int runs, List<VmBootSample> samples, List<VmBootNetworkComparison.Result> net, double berthRssMib)
    {
        static double Med(IEnumerable<double> v) => VmBootNetworkComparison.Median(v.ToList());
        var bare = samples.Where(s => s.Path == "bare qemu").ToList();
        var runtime = samples.Where(s => s.Path == "berth runtime").ToList();
        var api = samples.Where(s => s.Path == "berth (POST pod)").ToList();
        var bareS = Med(bare.Select(s => s.Seconds));
        var runtimeS = Med(runtime.Select(s => s.Seconds));
        var apiS = Med(api.Select(s => s.Seconds));
        var createS = Med(runtime.Select(s => s.CreateSeconds ?? 0));
        var preBootS = Med(api.Select(s => s.CreateSeconds ?? 0));
        var overhead = Med(api.Select(s => s.OverheadMib));
        var privateOverhead = Med(api.Select(s => s.Memory.PrivateOverheadMib + s.ShimRssMib));
        var shim = Med(api.Select(s => s.ShimRssMib));
        var bareOverhead = Med(bare.Select(s => s.OverheadMib));
        var runtimeOverhead = Med(runtime.Select(s => s.OverheadMib));
        var guestTouched = Med(api.Select(s => s.Memory.GuestRamRssKib / 1024.0));
        var tcgCache = Med(api.Select(s => s.Memory.TcgCacheKib / 1024.0));
        var fileBacked = Med(api.Select(s => s.Memory.FileBackedMib));
        var cgroup = Med(api.Where(s => s.CgroupUsageMib is not null).Select(s => s.CgroupUsageMib!.Value));
        var inv = CultureInfo.InvariantCulture;
        var accelName = accel.Accelerator.ToString().ToUpperInvariant();

        Console.WriteLine($"vm-boot: {runs} runs per path, guest {memory} MiB, 1 vCPU, accelerator {accelName} ({accel.Reason})");
        Console.WriteLine();
        Console.WriteLine($"{"path (" + accelName + ")",-18} {"to HTTP (s)",12} {"ratio",6} {"to start (s)",11} {"RSS (MiB)",10} {"guest RAM touched",18} {"overhead (MiB)",15}");
        void Row(string name, List<VmBootSample> rows, double seconds, string create, double over) =>
            Console.WriteLine($"{name,-18} {seconds,12:0.00} {seconds / bareS,6:0.00} {create,11} {Med(rows.Select(s => s.Memory.RssKib / 1024.0)),10:0.0} {Med(rows.Select(s => s.Memory.GuestRamRssKib / 1024.0)),18:0.0} {over,15:0.0}");
        Row("bare qemu", bare, bareS, "", bareOverhead);
        Row("berth runtime", runtime, runtimeS, createS.ToString("0.00", inv), runtimeOverhead);
        Row("berth (POST pod)", api, apiS, preBootS.ToString("0.00", inv), overhead);
        Console.WriteLine();
        Console.WriteLine($"Berth (POST of a VM pod → guest HTTP) / bare qemu: {apiS / bareS:0.00}x under {accelName}; difference of medians {apiS - bareS:0.00} s");
        Console.WriteLine($"Berth's own work before the guest's CPUs start (POST → API → agent → CNI → image → overlays, seed, cgroup, QEMU up → cont): {preBootS:0.00} s (the runtime alone: {createS:0.00} s)");
        Console.WriteLine($"overhead per VM: {overhead:0.0} MiB = QEMU RSS beyond guest RAM + shim {shim:0.0} MiB; private (anonymous, not shared between VMs) {privateOverhead:0.0} MiB");
        Console.WriteLine($"  of which: TCG translation cache {tcgCache:0.0} MiB (tb-size {VmBootContext.TcgCacheMiB}), QEMU binary and libraries (shared) {fileBacked:0.0} MiB; VM cgroup usage {cgroup:0.0} MiB (incl. guest RAM and page cache)");
        Console.WriteLine($"  the agent's own per-VM work (QMP monitor, console pump) runs inside `berth up` (RSS {berthRssMib:0.0} MiB in all, not split per VM)");
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
            ["acceleratorReason"] = accel.Reason,
            ["runs"] = runs,
            ["guestMemoryMiB"] = memory,
            ["bareQemuSeconds"] = Math.Round(bareS, 3),
            ["berthSeconds"] = Math.Round(apiS, 3),
            ["ratioToBareQemu"] = Math.Round(apiS / bareS, 3),
            ["berthAddedSeconds"] = Math.Round(apiS - bareS, 3),
            ["runtimeSeconds"] = Math.Round(runtimeS, 3),
            ["runtimeRatioToBareQemu"] = Math.Round(runtimeS / bareS, 3),
            ["createSeconds"] = Math.Round(createS, 3),
            ["berthPreBootSeconds"] = Math.Round(preBootS, 3),
            ["overheadMb"] = Math.Round(overhead, 1),
            ["overheadPrivateMb"] = Math.Round(privateOverhead, 1),
            ["shimRssMb"] = Math.Round(shim, 2),
            ["bareQemuOverheadMb"] = Math.Round(bareOverhead, 1),
            ["guestRamTouchedMb"] = Math.Round(guestTouched, 1),
            ["tcgCacheMb"] = Math.Round(tcgCache, 1),
            ["sharedFileBackedMb"] = Math.Round(fileBacked, 1),
            ["berthRssMb"] = Math.Round(berthRssMib, 1),
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
