using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Testing;
using k8s;
using Xunit;

namespace Berth.E2E.Workloads;

/// <summary>
/// One `berth up` for a class of workload tests (issue 4): its own bridge and pod range, examples/busybox built into
/// its data dir as <see cref="Image"/> and tagged <see cref="Image2"/> (the same content under a second name, so that
/// `kubectl set image` has somewhere to go without a registry).
/// </summary>
public abstract class WorkloadFixture(string bridge, string podCidr) : IAsyncLifetime
{
    public const string Image = "bb:e2e";
    public const string Image2 = "bb:e2e-v2";

    public BerthProcess Berth { get; private set; } = null!;

    public Kubectl Kubectl { get; private set; } = null!;

    private string _cache = "";

    public async ValueTask InitializeAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("bt-berth-wl-").FullName;
        await PodLifecycleTests.Fixture.BuildBusyboxAsync(dataDir, Image);
        await RunBerthAsync(["image", "tag", Image, Image2, "--data-dir", dataDir]);
        Berth = await BerthProcess.StartAsync($"--pod-cidr {podCidr} --bridge {bridge}", dataDir: dataDir);
        _cache = Directory.CreateTempSubdirectory("bt-kubecache-").FullName;
        Kubectl = new Kubectl(Berth.Kubeconfig, _cache);
    }

    public async ValueTask DisposeAsync()
    {
        // Namespaces of the tests are deleted by the tests; whatever is left goes before the process stops.
        await Kubectl.RunAsync("delete ns -l berth.dev/e2e=workloads --wait=true --timeout=90s", timeout: TimeSpan.FromSeconds(120));
        await Berth.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    public Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(Berth.Kubeconfig));

    /// <summary>Creates a namespace labelled for the fixture's final clean-up.</summary>
    public async Task NamespaceAsync(string name)
    {
        await Kubectl.OkAsync("create namespace " + name);
        await Kubectl.OkAsync($"label namespace {name} berth.dev/e2e=workloads");
    }

    public async Task<JsonObject> JsonAsync(string args) => JsonNode.Parse(await Kubectl.OkAsync(args + " -o json"))!.AsObject();

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/>, the last state and the log tail.</summary>
    public async Task UntilAsync(string what, Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>>? state = null)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(250);
        }

        var last = state is null ? "" : await state();
        throw new Xunit.Sdk.XunitException($"timed out after {timeout.TotalSeconds:0}s waiting for {what}\n{last}\n--- berth log ---\n{Berth.Tail(30)}");
    }

    private static async Task RunBerthAsync(string[] args)
    {
        var psi = new ProcessStartInfo(TestPaths.Berth, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"berth {string.Join(' ', args)} failed: {await output}{await error}");
        }
    }
}
