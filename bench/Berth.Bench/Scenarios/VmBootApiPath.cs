using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Testing;

namespace Berth.Bench.Scenarios;

/// <summary>
/// Berth end to end: POST of a VM pod (<c>runtimeClassName: vm</c>, the kernel-boot example image, the same guest
/// size, kernel arguments and user-data as the other paths, no node: `berth up`'s scheduler binds it) to a running
/// <c>berth up</c>, timed until the guest's HTTP answers on the pod IP: API write, scheduling, the agent's watch, CNI, image lookup, the VM
/// runtime's Create and Start, and the boot. <see cref="VmBootSample.CreateSeconds"/> is the part before the guest's
/// CPUs start (POST → the runtime's Start, from the VM's own record): Berth's work, without the boot. Memory is read from the VM's QEMU and shim once it answers; the pod is
/// deleted (grace 0) and gone before the next run.
/// </summary>
internal sealed class VmBootApiPath(BerthProcess berth, HttpClient http) : VmBootPath
{
    public const string Image = "examples/vm-kernel-boot:latest";

    public override string Name => "berth (POST pod)";

    /// <summary>`berth up` on its own bridge and range, the kernel-boot example image imported into its data directory.</summary>
    public static async Task<(BerthProcess Berth, HttpClient Http)> StartBerthAsync(string imagesDataDir)
    {
        var dataDir = Directory.CreateTempSubdirectory("bt-berth-vmbench-").FullName;
        VmBootShell.Run(TestPaths.Berth, "image", "import", Path.Combine(imagesDataDir, "build", "vm-kernel-boot.oci.tar"), "--data-dir", dataDir);
        var berth = await BerthProcess.StartAsync("--pod-cidr 10.252.250.0/24 --bridge bt-benchvm", dataDir: dataDir);
        var http = ApiHttp.Create(berth);
        return (berth, http);
    }

    public override async Task<VmBootSample> RunOnceAsync(VmBootContext ctx, CancellationToken cancellationToken)
    {
        var name = "vmboot-" + Guid.NewGuid().ToString("N")[..6];
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["annotations"] = new JsonObject
                {
                    ["vm.berth.dev/user-data"] = VmBootContext.UserData,
                    ["vm.berth.dev/kernel-args"] = VmBootContext.Cmdline,
                },
            },
            ["spec"] = new JsonObject
            {
                ["runtimeClassName"] = "vm",
                ["terminationGracePeriodSeconds"] = 0,
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "vm",
                    ["image"] = Image,
                    ["imagePullPolicy"] = "IfNotPresent",
                    ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["memory"] = $"{ctx.MemoryMiB}Mi", ["cpu"] = "1" } },
                }),
            },
        };

        var posted = DateTimeOffset.UtcNow;
        var sw = Stopwatch.StartNew();
        using (var r = await http.PostAsync("/api/v1/namespaces/default/pods", new StringContent(pod.ToJsonString(), Encoding.UTF8, "application/json"), cancellationToken))
        {
            if (!r.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"create {name}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }

        string? uid = null;
        try
        {
            (uid, var ip) = await PodIpAsync(name, ctx.Timeout, cancellationToken);
            await VmBootShell.WaitHttpAsync($"http://{ip}/", ctx.Timeout - sw.Elapsed, cancellationToken);
            var seconds = sw.Elapsed.TotalSeconds;
            var vmDir = Path.Combine(berth.DataDir, "vm", uid);
            var qemu = int.Parse(File.ReadAllText(Path.Combine(vmDir, "qemu.pid")).Trim(), CultureInfo.InvariantCulture);
            var shim = int.Parse(File.ReadAllText(Path.Combine(vmDir, "shim.pid")).Trim(), CultureInfo.InvariantCulture);
            var memory = VmBootMemory.Read(qemu, ctx.MemoryMiB, VmBootContext.TcgCacheMiB);
            var usage = $"/sys/fs/cgroup/memory/berth/pod{uid}/vm-{uid}/memory.usage_in_bytes";
            double? cgroup = File.Exists(usage) ? long.Parse(File.ReadAllText(usage).Trim(), CultureInfo.InvariantCulture) / 1048576.0 : null;
            // When the runtime resumed the guest's CPUs (vm.json's startedAt): everything before is Berth's own work.
            var record = JsonNode.Parse(File.ReadAllText(Path.Combine(vmDir, "vm.json")))!;
            var started = DateTimeOffset.Parse((string)record["startedAt"]!, CultureInfo.InvariantCulture);
            return new VmBootSample(Name, seconds, (started - posted).TotalSeconds, memory, VmBootMemory.RssMib(shim), cgroup);
        }
        finally
        {
            await DeleteAsync(name, uid, cancellationToken);
        }
    }

    /// <summary>The RSS of the `berth up` process (server and agent), in MiB.</summary>
    public double BerthRssMib() => berth.Pid is { } pid ? VmBootMemory.RssMib(pid) : 0;

    private async Task<(string Uid, string Ip)> PodIpAsync(string name, TimeSpan timeout, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var pod = await http.GetFromJsonAsync<JsonObject>($"/api/v1/namespaces/default/pods/{name}", ct);
            if ((string?)pod?["status"]?["podIP"] is { Length: > 0 } ip)
            {
                return ((string)pod!["metadata"]!["uid"]!, ip);
            }

            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"pod {name} got no IP within {timeout.TotalSeconds:0} s: {pod?["status"]}");
            }

            await Task.Delay(20, ct);
        }
    }

    /// <summary>Deletes the pod and waits until it is gone from the API and its VM from the node.</summary>
    private async Task DeleteAsync(string name, string? uid, CancellationToken ct)
    {
        using (await http.DeleteAsync($"/api/v1/namespaces/default/pods/{name}?gracePeriodSeconds=0", ct))
        {
        }

        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            using var r = await http.GetAsync($"/api/v1/namespaces/default/pods/{name}", ct);
            if (r.StatusCode == System.Net.HttpStatusCode.NotFound && (uid is null || !Directory.Exists(Path.Combine(berth.DataDir, "vm", uid))))
            {
                return;
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"pod {name} was not gone within 60 s");
    }
}
