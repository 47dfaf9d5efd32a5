using System.Diagnostics;
using Berth.Testing;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// The KubeVirt API of `berth up` as kubectl and `berth vm` use it: the shared fixtures apply as they are, tables
/// print KubeVirt's columns, unsupported fields are refused by name, and start/stop/restart go through
/// subresources.kubevirt.io. (Running the VMs is VmRunTests' part.)
/// </summary>
[Trait("Tier", "E2E")]
public sealed class VmApiTests(BerthFixture fx) : IClassFixture<BerthFixture>
{
    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "kubevirt", name + ".yaml");

    private static IEnumerable<string> Columns(string table) =>
        table.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private async Task<string> NamespaceAsync(string name)
    {
        await fx.Kubectl.OkAsync($"create namespace {name}");
        return name;
    }

    [Fact]
    public async Task The_shared_fixtures_apply_as_they_are_and_print_KubeVirt_columns()
    {
        var ns = await NamespaceAsync("bt-vm-fixtures");
        var fixtures = Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "kubevirt"), "*.yaml").Order().ToList();
        Assert.Equal(5, fixtures.Count);
        foreach (var f in fixtures)
        {
            var output = await fx.Kubectl.OkAsync($"apply -n {ns} -f {f}");
            Assert.EndsWith(" created", output.Trim());
        }

        foreach (var f in fixtures)
        {
            Assert.EndsWith(" unchanged", (await fx.Kubectl.OkAsync($"apply -n {ns} -f {f}")).Trim());
        }

        var vms = await fx.Kubectl.OkAsync($"get vm -n {ns}");
        Assert.Equal(["NAME", "AGE", "STATUS", "READY"], Columns(vms));
        Assert.Matches(@"vm-cirros\s+\S+\s+Stopped\s+False", vms);

        var vmis = await fx.Kubectl.OkAsync($"get vmi -n {ns}");
        Assert.Equal(["NAME", "AGE", "PHASE", "IP", "NODENAME", "READY"], Columns(vmis));
        foreach (var name in new[] { "vmi-kernel-boot", "vmi-masquerade", "vmi-nocloud" })
        {
            Assert.Contains(name, vmis, StringComparison.Ordinal);
        }

        var sets = await fx.Kubectl.OkAsync($"get vmirs -n {ns}");
        Assert.Equal(["NAME", "DESIRED", "CURRENT", "READY", "AGE"], Columns(sets));
        var pods = await fx.Kubectl.OkAsync($"get pods -n {ns} -l kubevirt.io=virt-launcher -o name");
        Assert.Equal(6, pods.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // 3 VMIs + 3 of the replica set

        await fx.Kubectl.OkAsync($"delete namespace {ns} --wait=true --timeout=120s");
    }

    [Fact]
    public async Task An_unsupported_field_is_refused_by_name()
    {
        var ns = await NamespaceAsync("bt-vm-refused");
        var yaml = (await File.ReadAllTextAsync(Fixture("vmi-nocloud"), TestContext.Current.CancellationToken)).Replace("      - disk:\n          bus: virtio\n        name: emptydisk",
            "      - cdrom:\n          bus: sata\n        name: emptydisk", StringComparison.Ordinal);
        Assert.Contains("cdrom", yaml, StringComparison.Ordinal);
        var r = await fx.Kubectl.RunAsync($"apply -n {ns} -f -", yaml);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("spec.domain.devices.disks[2].cdrom: Forbidden: not supported by Berth", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Berth_vm_start_stop_restart_speak_virtctls_words()
    {
        var ns = await NamespaceAsync("bt-vm-verbs");
        await fx.Kubectl.OkAsync($"apply -n {ns} -f {Fixture("vm-cirros")}");
        var dataDir = $"--data-dir {fx.Berth.DataDir}";

        var start = await BerthAsync($"vm start vm-cirros -n {ns} {dataDir}");
        Assert.Equal((0, "VM vm-cirros was scheduled to start"), (start.ExitCode, start.Stdout.Trim()));
        await UntilAsync(async () => (await fx.Kubectl.RunAsync($"get vmi vm-cirros -n {ns} -o jsonpath={{.status.phase}}")).Stdout is "Scheduling" or "Scheduled" or "Running",
            "the VMI has a pod");

        var again = await BerthAsync($"vm start vm-cirros -n {ns} {dataDir}");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("Error starting VirtualMachine Operation cannot be fulfilled on virtualmachine.kubevirt.io \"vm-cirros\": VM is already running",
            again.Stderr.Trim());

        // KUBECONFIG is the other way to the API.
        var uid = (await fx.Kubectl.OkAsync($"get vmi vm-cirros -n {ns} -o jsonpath={{.metadata.uid}}")).Trim();
        var restart = await BerthAsync($"vm restart vm-cirros -n {ns}", new Dictionary<string, string> { ["KUBECONFIG"] = fx.Berth.Kubeconfig });
        Assert.Equal((0, "VM vm-cirros was scheduled to restart"), (restart.ExitCode, restart.Stdout.Trim()));
        await UntilAsync(async () => (await fx.Kubectl.RunAsync($"get vmi vm-cirros -n {ns} -o jsonpath={{.metadata.uid}}")).Stdout is { Length: > 0 } u && u != uid,
            "a new VMI after the restart");

        var stop = await BerthAsync($"vm stop vm-cirros -n {ns} {dataDir}");
        Assert.Equal((0, "VM vm-cirros was scheduled to stop"), (stop.ExitCode, stop.Stdout.Trim()));
        await UntilAsync(async () => (await fx.Kubectl.RunAsync($"get vm vm-cirros -n {ns} -o jsonpath={{.status.printableStatus}}")).Stdout == "Stopped",
            "the VM Stopped", TimeSpan.FromSeconds(90));
        var stopped = await BerthAsync($"vm stop vm-cirros -n {ns} {dataDir}");
        Assert.Equal((1, "Error stopping VirtualMachine Operation cannot be fulfilled on virtualmachine.kubevirt.io \"vm-cirros\": VM is not running"),
            (stopped.ExitCode, stopped.Stderr.Trim()));
        var missing = await BerthAsync($"vm start nothere -n {ns} {dataDir}");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("\"nothere\" not found", missing.Stderr, StringComparison.Ordinal);
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs the berth executable (the client verbs) and captures its output.</summary>
    public static async Task<KubectlResult> BerthAsync(string args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(TestPaths.Berth) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Remove("KUBECONFIG");
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return new KubectlResult(p.ExitCode, await stdout, await stderr);
    }
}
