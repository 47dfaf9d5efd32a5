using System.Text;
using Berth.Runtime.Vm.Tests.Support;

namespace Berth.Runtime.Vm.Tests.Integration;

/// <summary>
/// One kernel-boot VM through its whole life: created in a stand-in pod namespace, its user-data
/// starts httpd, the host reaches it on the pod IP, the console is the CRI log and attachable,
/// a second runtime (an agent restart) adopts it, kill -9 of QEMU is reported, Delete leaves
/// nothing behind and gives the pod its IP back.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class KernelBootVmTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string UserData = """
        #!/bin/sh
        mkdir -p /srv && echo "hello from $(hostname) on the pod IP" >/srv/index.html
        httpd -p 80 -h /srv
        echo "user-data: httpd started"
        """;

    [Fact]
    public async Task Boots_serves_on_the_pod_ip_logs_is_adopted_reports_kill_and_cleans_up()
    {
        var images = GuestImages.Get();
        using var pod = TestPodNetwork.Create();
        await using var env = new VmTestRuntime();
        var id = "kb-" + Guid.NewGuid().ToString("N")[..6];
        var spec = new VmSpec
        {
            Id = id,
            Boot = new KernelBoot(images.Kernel, images.Initrd, "quiet"),
            MemoryMiB = 192,
            CloudInit = new CloudInitSeed(UserData),
            Network = pod.ToVmNetwork(),
            Hostname = "web-0",
            ConsoleLogPath = env.LogPath(id),
            CgroupParent = env.CgroupParent,
            Acceleration = AccelerationPreference.Tcg,
        };

        var created = await env.Runtime.CreateAsync(spec, Ct);
        Assert.Equal(VmState.Created, created.State);
        Assert.NotNull(created.Pid);
        var cgroupDir = Path.Combine("/sys/fs/cgroup/memory", env.CgroupParent, "vm-" + id);
        Assert.Equal((192L + new VmRuntimeOptions { StateRoot = "/" }.DefaultMemoryOverheadMiB) * 1024 * 1024, long.Parse(File.ReadAllText(Path.Combine(cgroupDir, "memory.limit_in_bytes")).Trim(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(created.Pid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllLines(Path.Combine(cgroupDir, "cgroup.procs")));
        Assert.Contains("master vmbr0", Sh.Run("ip", "-n", pod.Name, "-o", "link", "show", "eth0"), StringComparison.Ordinal);
        Assert.DoesNotContain(pod.PodIp.ToString(), Sh.Run("ip", "-n", pod.Name, "-o", "addr"), StringComparison.Ordinal);

        Assert.Equal(VmState.Running, (await env.Runtime.StartAsync(id, Ct)).State);
        var body = await Wait.HttpAsync($"http://{pod.PodIp}/", TimeSpan.FromSeconds(180), spec.ConsoleLogPath);
        Assert.Equal("hello from web-0 on the pod IP\n", body);

        // the serial console is the pod's log, in CRI format
        await Wait.UntilAsync(() => File.Exists(spec.ConsoleLogPath) && File.ReadAllText(spec.ConsoleLogPath).Contains("user-data: httpd started", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the user-data line in the CRI log");
        var logLines = File.ReadAllLines(spec.ConsoleLogPath);
        Assert.All(logLines, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout [FP] ", l));
        Assert.Contains(logLines, l => l.Contains($"berth-guest: eth0: {pod.PodIp}/24 (network-config)", StringComparison.Ordinal));

        // an interactive console: a command typed into the socket runs in the guest, its output shows there and in the log
        await using (var console = await env.Runtime.OpenConsoleAsync(id, Ct))
        {
            await console.WriteAsync("\necho console-$((6*7))\n"u8.ToArray(), Ct);
            var seen = new StringBuilder();
            var buffer = new byte[4096];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (!seen.ToString().Contains("console-42", StringComparison.Ordinal))
            {
                var n = await console.ReadAsync(buffer, cts.Token);
                Assert.True(n > 0, "console closed");
                seen.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }
        }

        await Wait.UntilAsync(() => File.ReadAllText(spec.ConsoleLogPath).Contains("stdout F console-42", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the console output in the log");

        // an agent restart: a new runtime over the same state adopts the running VM
        await env.Runtime.DisposeAsync();
        await using var adopter = env.New();
        var adopted = Assert.Single(await adopter.AdoptAsync(Ct));
        Assert.Equal((id, VmState.Running, created.Pid), (adopted.Id, adopted.State, adopted.Pid));
        Assert.Equal("hello from web-0 on the pod IP\n", await Wait.HttpAsync($"http://{pod.PodIp}/", TimeSpan.FromSeconds(5)));

        // kill -9 of QEMU is reported as such
        Sh.Run("kill", "-9", created.Pid.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Wait.UntilAsync(async () => (await adopter.StatusAsync(id, Ct)).State == VmState.Exited, TimeSpan.FromSeconds(10), "the exited state");
        var killed = await adopter.StatusAsync(id, Ct);
        Assert.Equal((137, VmExitReasons.Killed), (killed.ExitCode, killed.Reason));
        Assert.Equal("QEMU was killed by signal 9", killed.Message);

        // delete: no qemu, tap, bridge, overlay, socket, cgroup left; the pod interface has its IP back
        var dir = adopter.GetPaths(id).Directory;
        await adopter.DeleteAsync(id, Ct);
        Assert.False(Directory.Exists(dir));
        Assert.False(Directory.Exists(cgroupDir));
        var links = Sh.Run("ip", "-n", pod.Name, "-o", "link");
        Assert.DoesNotContain("vmtap0", links, StringComparison.Ordinal);
        Assert.DoesNotContain("vmbr0", links, StringComparison.Ordinal);
        Assert.Contains($"inet {pod.PodIp}/24", Sh.Run("ip", "-n", pod.Name, "-o", "addr", "show", "eth0"), StringComparison.Ordinal);
        Assert.Contains($"default via {pod.Gateway}", Sh.Run("ip", "-n", pod.Name, "route"), StringComparison.Ordinal);
        Assert.Empty(adopter.List());
        await Assert.ThrowsAsync<VmNotFoundException>(() => adopter.StatusAsync(id, Ct));
    }

    [Fact]
    public async Task Stop_presses_the_power_button_and_the_guest_powers_off_within_the_grace_period()
    {
        var images = GuestImages.Get();
        await using var env = new VmTestRuntime();
        var id = "stop-" + Guid.NewGuid().ToString("N")[..6];
        var spec = new VmSpec
        {
            Id = id,
            Boot = new KernelBoot(images.Kernel, images.Initrd, "quiet"),
            MemoryMiB = 128,
            ConsoleLogPath = env.LogPath(id),
            Acceleration = AccelerationPreference.Tcg,
        };
        await env.Runtime.CreateAsync(spec, Ct);
        await env.Runtime.StartAsync(id, Ct);
        await Wait.UntilAsync(() => File.Exists(spec.ConsoleLogPath) && File.ReadAllText(spec.ConsoleLogPath).Contains("berth-guest: ready", StringComparison.Ordinal),
            TimeSpan.FromSeconds(180), "the guest to be ready");

        var started = DateTime.UtcNow;
        var stopped = await env.Runtime.StopAsync(id, TimeSpan.FromSeconds(30), Ct);
        Assert.Equal((VmState.Exited, VmExitReasons.Stopped, 0), (stopped.State, stopped.Reason, stopped.ExitCode));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), $"stop took {DateTime.UtcNow - started}");
        await env.Runtime.DeleteAsync(id, Ct);
        Assert.Contains("ACPI power button: powering off", File.ReadAllText(spec.ConsoleLogPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_guest_that_powers_off_while_no_agent_runs_is_reported_by_the_next_one()
    {
        var images = GuestImages.Get();
        await using var env = new VmTestRuntime();
        var id = "off-" + Guid.NewGuid().ToString("N")[..6];
        var spec = new VmSpec
        {
            Id = id,
            Boot = new KernelBoot(images.Kernel, images.Initrd, "quiet"),
            MemoryMiB = 128,
            CloudInit = new CloudInitSeed("#!/bin/sh\necho powering off by itself\npoweroff\n"),
            ConsoleLogPath = env.LogPath(id),
            Acceleration = AccelerationPreference.Tcg,
        };
        await env.Runtime.CreateAsync(spec, Ct);
        await env.Runtime.StartAsync(id, Ct);
        var qmpSocket = env.Runtime.GetPaths(id).QmpSocket;
        await env.Runtime.DisposeAsync(); // the agent goes away; the guest powers itself off meanwhile

        await using (var qmp = await Berth.Runtime.Vm.Qmp.QmpClient.ConnectAsync(qmpSocket, Ct))
        {
            await Wait.UntilAsync(async () => (await qmp.ExecuteAsync("query-status", null, Ct)).GetProperty("status").GetString() == "shutdown",
                TimeSpan.FromSeconds(180), "the guest to power off (QEMU waits in status shutdown)");
        }

        await using var next = env.New();
        await next.AdoptAsync(Ct);
        await Wait.UntilAsync(async () => (await next.StatusAsync(id, Ct)).State == VmState.Exited, TimeSpan.FromSeconds(10), "QEMU to quit");
        var status = await next.StatusAsync(id, Ct);
        Assert.Equal((VmExitReasons.GuestShutdown, 0), (status.Reason, status.ExitCode));
        await next.DeleteAsync(id, Ct);
        Assert.Contains("powering off by itself", File.ReadAllText(spec.ConsoleLogPath), StringComparison.Ordinal);
    }
}
