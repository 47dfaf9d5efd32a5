using System.Diagnostics;
using Berth.Testing;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// One `berth up` for a class of VM tests: its own bridge (bt-e2evm) and pod range (10.251.6.0/24), the example VM
/// images (examples/vm/build, built once into the repository's .build/vm-images and imported into this data
/// directory) and busybox-httpd. Pods are bound by `berth up`'s own scheduler. On dispose it deletes every VM, VMI,
/// pod, Service and claim, waits until no QEMU of this data directory is left and stops berth.
/// </summary>
public sealed class VmCluster : IAsyncLifetime
{
    public const string KernelBootImage = "examples/vm-kernel-boot:latest";
    public const string ContainerDiskImage = "examples/vm-containerdisk:latest";

    /// <summary>This instance's bridge (and nftables table: a test bridge names the service proxy's table).</summary>
    public const string Bridge = "bt-e2evm";

    /// <summary>The `berth up` arguments of this instance (also for restarts).</summary>
    public const string Args = "--pod-cidr 10.251.6.0/24 --bridge " + Bridge;

    public BerthProcess Berth { get; private set; } = null!;

    public Kubectl Kubectl { get; private set; } = null!;

    public string CacheDir { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("bt-berth-vm-").FullName;
        await ImportVmImagesAsync(dataDir);
        await PodLifecycleTests.Fixture.BuildBusyboxAsync(dataDir, PodLifecycleTests.Fixture.Image);
        Berth = await BerthProcess.StartAsync(Args, dataDir: dataDir);
        CacheDir = Directory.CreateTempSubdirectory("bt-kubecache-").FullName;
        Kubectl = new Kubectl(Berth.Kubeconfig, CacheDir);
    }

    /// <summary>
    /// Deletes everything, stops berth (SIGTERM: with no pod left the agent removes its bridge and nftables table)
    /// and fails when anything of this instance stays on the host: QEMU, the bridge, the table. Berth is stopped even
    /// when the deletion times out (a leftover QEMU is then killed and reported).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var problems = new List<string>();
        try
        {
            await Kubectl.RunAsync("delete vm,vmirs --all -A --timeout=60s", timeout: TimeSpan.FromSeconds(90));
            await Kubectl.RunAsync("delete vmi,pods,services,pvc --all -A --grace-period=5 --timeout=90s", timeout: TimeSpan.FromSeconds(120));
            await WaitAsync(() => Task.FromResult(QemuPids().Count == 0), "no QEMU left", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException e)
        {
            problems.Add(e.Message);
        }
        finally
        {
            await Berth.DisposeAsync();
            Directory.Delete(CacheDir, recursive: true);
        }

        foreach (var (pid, uid) in QemuPids().Select(p => (p, UidOfQemu(p))).Where(q => q.Item2 != "gone"))
        {
            problems.Add($"QEMU {pid} of pod {uid} still running after berth stopped (killed and its pod's state removed now)");
            await RemoveLeftoverVmAsync(pid, uid);
        }

        if ((await ShellAsync($"ip -o link show {Bridge} 2>/dev/null")).Length > 0)
        {
            problems.Add($"bridge {Bridge} still there");
        }

        if ((await ShellAsync($"nft list table ip {Bridge} 2>/dev/null")).Length > 0)
        {
            problems.Add($"nftables table ip {Bridge} still there");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException("berth up left state behind: " + string.Join("; ", problems));
        }
    }

    /// <summary>
    /// What of pod <paramref name="podUid"/> is still on this host (empty once its teardown is complete): its cgroups in
    /// every hierarchy (<c>berth/podUID</c>, holding the VM's <c>vm-UID</c>), its network namespace, the CNI NAT chain
    /// the bridge plugin keys by the pod UID, its VM state directory and its pod directory.
    /// </summary>
    public async Task<List<string>> LeftoversOfPodAsync(string podUid)
    {
        var left = new List<string>();
        foreach (var hierarchy in Directory.EnumerateDirectories("/sys/fs/cgroup"))
        {
            var pod = Path.Combine(hierarchy, "berth", "pod" + podUid);
            if (Directory.Exists(pod))
            {
                left.Add("cgroup " + pod + string.Concat(Directory.EnumerateDirectories(pod).Select(d => " " + Path.GetFileName(d))));
            }
        }

        if (Directory.Exists("/sys/fs/cgroup/berth/pod" + podUid))
        {
            left.Add("cgroup /sys/fs/cgroup/berth/pod" + podUid);
        }

        var netns = NetnsFor(podUid);
        if ((await ShellAsync("ip netns list")).Contains(netns, StringComparison.Ordinal))
        {
            left.Add("network namespace " + netns);
        }

        if ((await ShellAsync("iptables -t nat -S")).Contains(podUid, StringComparison.Ordinal))
        {
            left.Add("iptables nat rules of the pod's CNI attachment");
        }

        foreach (var dir in new[] { Path.Combine(Berth.DataDir, "vm", podUid), Path.Combine(Berth.DataDir, "pods", podUid) })
        {
            if (Directory.Exists(dir))
            {
                left.Add("directory " + dir);
            }
        }

        return left;
    }

    /// <summary>The pod UID of a QEMU of this instance (its state is DATA_DIR/vm/UID/).</summary>
    private string UidOfQemu(int pid)
    {
        string cmd;
        try
        {
            cmd = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "gone";
        }

        var rest = cmd[(cmd.IndexOf(Berth.DataDir + "/vm/", StringComparison.Ordinal) + Berth.DataDir.Length + 4)..];
        return rest[..rest.IndexOf('/', StringComparison.Ordinal)];
    }

    /// <summary>Only after a failed test with berth gone: kills a VM and removes its cgroups (vm-UID, then podUID) and netns.</summary>
    private static async Task RemoveLeftoverVmAsync(int pid, string uid)
    {
        try
        {
            using var qemu = Process.GetProcessById(pid);
            qemu.Kill();
            await qemu.WaitForExitAsync();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // exited meanwhile
        }

        foreach (var hierarchy in Directory.EnumerateDirectories("/sys/fs/cgroup"))
        {
            foreach (var dir in new[] { $"{hierarchy}/berth/pod{uid}/vm-{uid}", $"{hierarchy}/berth/pod{uid}" })
            {
                await WaitAsync(() => Task.FromResult(!Directory.Exists(dir) || TryRemoveDirectory(dir)), "cgroup " + dir + " removed", TimeSpan.FromSeconds(10));
            }
        }

        await ShellAsync($"ip netns delete {NetnsFor(uid)} 2>/dev/null");
    }

    private static bool TryRemoveDirectory(string dir)
    {
        try
        {
            Directory.Delete(dir);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Interfaces still attached to this instance's bridge (pod veths): none once every pod is gone.</summary>
    public async Task<string> BridgePortsAsync() => (await ShellAsync($"ip -o link show master {Bridge} 2>/dev/null")).Trim();

    public static string NetnsFor(string podUid) => "berth-" + podUid.Replace("-", "", StringComparison.Ordinal)[..12];

    public static async Task<string> ShellAsync(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output;
    }

    /// <summary>Pids of the QEMU processes whose state is under this instance's data directory.</summary>
    public List<int> QemuPids()
    {
        var result = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid))
            {
                try
                {
                    var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                    if (cmd.StartsWith("qemu-system", StringComparison.Ordinal) && cmd.Contains(Berth.DataDir + "/vm/", StringComparison.Ordinal))
                    {
                        result.Add(pid);
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        return result;
    }

    /// <summary>The QEMU pid of the VM of pod <paramref name="podUid"/> (its pid file under DATA_DIR/vm/UID).</summary>
    public int QemuPid(string podUid) => int.Parse(File.ReadAllText(Path.Combine(Berth.DataDir, "vm", podUid, "qemu.pid")).Trim());

    public static async Task WaitAsync(Func<Task<bool>> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Polls kubectl's JSONPath output until it satisfies <paramref name="ok"/>; returns the last output.</summary>
    public async Task<string> WaitJsonPathAsync(string resource, string jsonPath, Func<string, bool> ok, string what, TimeSpan timeout)
    {
        var last = "";
        try
        {
            await WaitAsync(async () =>
            {
                var r = await Kubectl.RunAsync($"get {resource} -o jsonpath={{{jsonPath}}}");
                last = r.ExitCode == 0 ? r.Stdout.Trim() : "";
                return ok(last);
            }, what, timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} (last: '{last}')\n{Berth.Tail(30)}");
        }

        return last;
    }

    /// <summary>GETs a URL until it answers 200 (a guest booting under TCG takes seconds); returns the body.</summary>
    public static async Task<string> GetUntilAnswersAsync(string url, TimeSpan timeout)
    {
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await http.GetStringAsync(url);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>examples/vm/build (idempotent, cached in .build/vm-images), then `berth image import` of both archives into <paramref name="dataDir"/>.</summary>
    private static async Task ImportVmImagesAsync(string dataDir)
    {
        var cache = Path.Combine(TestPaths.RepoRoot, ".build", "vm-images");
        Directory.CreateDirectory(cache);
        await RunAsync(Path.Combine(TestPaths.RepoRoot, "examples", "vm", "build"), ["--data-dir", cache, "--no-import"], "examples/vm/build (apt-get install linux-image-amd64 busybox-static syslinux ...: scripts/install-host-packages)");
        foreach (var archive in new[] { "vm-kernel-boot.oci.tar", "vm-containerdisk.oci.tar" })
        {
            await RunAsync(TestPaths.Berth, ["image", "import", Path.Combine(cache, "build", archive), "--data-dir", dataDir], "berth image import");
        }
    }

    private static async Task RunAsync(string file, string[] args, string what)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed ({p.ExitCode}): {await output}{await error}");
        }
    }
}
