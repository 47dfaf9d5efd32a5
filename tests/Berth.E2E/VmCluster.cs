using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Berth.Testing;
using Xunit;

namespace Berth.E2E;

/// <summary>
/// One `berth up` for a class of VM tests: its own bridge (bt-e2evm) and pod range (10.251.6.0/24), the example VM
/// images (examples/vm/build, built once into the repository's .build/vm-images and imported into this data
/// directory) and busybox-httpd. While no scheduler runs in `berth up`, a stand-in binds pods that have no node to
/// this one through pods/binding, as a scheduler would (with a scheduler present it finds nothing to do). On dispose
/// it deletes every VM, VMI, pod and Service and waits until no QEMU of this data directory is left.
/// </summary>
public sealed class VmCluster : IAsyncLifetime
{
    public const string KernelBootImage = "examples/vm-kernel-boot:latest";
    public const string ContainerDiskImage = "examples/vm-containerdisk:latest";

    private readonly CancellationTokenSource _stop = new();
    private Task _binder = Task.CompletedTask;

    public BerthProcess Berth { get; private set; } = null!;

    public Kubectl Kubectl { get; private set; } = null!;

    public string CacheDir { get; private set; } = "";

    /// <summary>Pods the stand-in scheduler bound (their names).</summary>
    public List<string> Bound { get; } = [];

    public async ValueTask InitializeAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("bt-berth-vm-").FullName;
        await ImportVmImagesAsync(dataDir);
        await PodLifecycleTests.Fixture.BuildBusyboxAsync(dataDir, PodLifecycleTests.Fixture.Image);
        Berth = await BerthProcess.StartAsync("--pod-cidr 10.251.6.0/24 --bridge bt-e2evm", dataDir: dataDir);
        CacheDir = Directory.CreateTempSubdirectory("bt-kubecache-").FullName;
        Kubectl = new Kubectl(Berth.Kubeconfig, CacheDir);
        _binder = Task.Run(() => BindLoopAsync(_stop.Token));
    }

    public async ValueTask DisposeAsync()
    {
        await Kubectl.RunAsync("delete vm,vmirs --all -A --timeout=60s", timeout: TimeSpan.FromSeconds(90));
        await Kubectl.RunAsync("delete vmi,pods,services --all -A --grace-period=5 --timeout=90s", timeout: TimeSpan.FromSeconds(120));
        await _stop.CancelAsync();
        await _binder;
        await WaitAsync(() => Task.FromResult(QemuPids().Count == 0), "no QEMU left", TimeSpan.FromSeconds(60));
        await Berth.DisposeAsync();
        Directory.Delete(CacheDir, recursive: true);
        _stop.Dispose();
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

    /// <summary>The stand-in scheduler: binds every pod without a node to this node, every 200 ms.</summary>
    private async Task BindLoopAsync(CancellationToken ct)
    {
        using var http = ApiHttp.Create(Berth);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var list = await http.GetFromJsonAsync<JsonObject>("/api/v1/pods", ct);
                foreach (var pod in (list?["items"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    var meta = pod["metadata"]!;
                    if (!string.IsNullOrEmpty((string?)pod["spec"]?["nodeName"]) || meta["deletionTimestamp"] is not null)
                    {
                        continue;
                    }

                    var ns = (string)meta["namespace"]!;
                    var name = (string)meta["name"]!;
                    var binding = new JsonObject
                    {
                        ["apiVersion"] = "v1",
                        ["kind"] = "Binding",
                        ["metadata"] = new JsonObject { ["name"] = name, ["uid"] = (string?)meta["uid"] },
                        ["target"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = Berth.NodeName },
                    };
                    using var r = await http.PostAsync($"/api/v1/namespaces/{ns}/pods/{name}/binding", ApiHttp.JsonBody(binding.ToJsonString()), ct);
                    if (r.IsSuccessStatusCode)
                    {
                        lock (Bound)
                        {
                            Bound.Add(name);
                        }
                    }
                }

                await Task.Delay(200, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200, CancellationToken.None);
            }
        }
    }
}
