using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.KubeVirt;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;
using Berth.Server;
using Berth.Server.Core;
using Berth.Server.Http;
using Berth.Store.Memory;
using Berth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Berth.Controllers.Tests.KubeVirt;

/// <summary>
/// An API server in this process (memory store, loopback HTTPS port, temporary data directory) with the built-in
/// controllers, and the steps a node agent would take for a VM pod, driven by the test: bind it to a node, report it
/// running with an IP, report an image pull error, end it. Nothing runs a real VM here (the E2E tests do).
/// </summary>
public sealed class KubeVirtCluster : IAsyncLifetime
{
    public const string NodeName = "bt-node";
    private WebApplication? _app;
    private string? _dir;
    private int _namespaces;

    public IApiClient Api { get; private set; } = null!;

    public ResourceRegistry Registry => ResourceRegistry.Default;

    public int Port { get; private set; }

    public HttpClient Http { get; private set; } = null!;

    public ResourceType Pods => Registry.Find("", "v1", "pods")!;

    public ResourceType Vms => Registry.Find(KubeVirtNames.Group, "v1", "virtualmachines")!;

    public ResourceType Vmis => Registry.Find(KubeVirtNames.Group, "v1", "virtualmachineinstances")!;

    public ResourceType VmiReplicaSets => Registry.Find(KubeVirtNames.Group, "v1", "virtualmachineinstancereplicasets")!;

    public async ValueTask InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("bt-kubevirt-").FullName;
        Port = FreePort();
        var verbose = Environment.GetEnvironmentVariable("BERTH_TEST_LOG") == "1";
        _app = BerthServerHost.Build(new ServerOptions { DataDir = _dir, ApiPort = Port, BindAddress = "127.0.0.1", Store = "memory:" }, new MemoryStore(),
            // The tests bind pods themselves (as the agent's steps): the scheduler and node lifecycle stay out of their way.
            s => s.AddBerthControllers("bt-kubevirt", new WorkloadOptions { DataDir = _dir, Disabled = new HashSet<string> { "scheduler", "node-lifecycle" } }), logging: l => l.AddSimpleConsole(o => o.SingleLine = true)
                .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning).AddFilter("Microsoft", LogLevel.Warning));
        await _app.StartAsync();
        Api = _app.Services.GetRequiredService<LocalApiClient>();
        await _app.Services.GetRequiredService<ControllerManager>().Synced.WaitAsync(TimeSpan.FromSeconds(30));
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        handler.ClientCertificates.Add(ApiHttp.AdminCertificate(Path.Combine(_dir, "kubeconfig")));
        Http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(30) };
        await Api.CreateAsync(Registry.Find("", "v1", "nodes")!, null, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = NodeName },
        }, default);
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_dir is not null)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>A fresh namespace <c>bt-PREFIX-N</c>.</summary>
    public async Task<string> NamespaceAsync(string prefix)
    {
        var name = $"bt-{prefix}-{Interlocked.Increment(ref _namespaces)}";
        await Api.CreateAsync(Registry.Find("", "v1", "namespaces")!, null, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = name },
        }, default);
        return name;
    }

    /// <summary>A shared fixture (tests/fixtures/kubevirt/NAME.yaml) as JSON, unchanged.</summary>
    public static JsonObject Fixture(string name) =>
        (JsonObject)YamlJson.Parse(File.ReadAllText(Path.Combine(TestPaths.Fixtures, "kubevirt", name + ".yaml")))!;

    public static IEnumerable<string> FixtureNames() =>
        Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "kubevirt"), "*.yaml").Select(Path.GetFileNameWithoutExtension).Order().Select(n => n!);

    public Task<JsonObject> CreateAsync(ResourceType type, string ns, JsonObject obj) => Api.CreateAsync(type, ns, obj, default);

    public async Task<JsonObject?> TryGetAsync(ResourceType type, string ns, string name)
    {
        try
        {
            return await Api.GetAsync(type, ns, name, default);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    /// <summary>Waits for the VMI to satisfy <paramref name="ok"/>.</summary>
    public Task<JsonObject?> VmiAsync(string ns, string name, Func<JsonObject?, bool> ok, string what) =>
        Eventually.GetAsync(() => TryGetAsync(Vmis, ns, name), ok, what, describe: v => v?["status"]?.ToJsonString() ?? "<none>");

    public Task<JsonObject?> VmAsync(string ns, string name, Func<JsonObject?, bool> ok, string what) =>
        Eventually.GetAsync(() => TryGetAsync(Vms, ns, name), ok, what, describe: v => v?["status"]?.ToJsonString() ?? "<none>");

    /// <summary>The pods a VMI of that name has (by the KubeVirt labels), waiting for exactly <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<JsonObject>> PodsOfAsync(string ns, string vmiName, int count = 1) =>
        await Eventually.GetAsync(async () => (await Api.ListAsync(Pods, ns, new ListOptions { LabelSelector = $"{KubeVirtNames.DomainLabel}={vmiName}" }, default)).Items,
            p => p.Count == count, $"{count} pod(s) of VMI {ns}/{vmiName}", describe: p => string.Join(", ", p.Select(x => Json.String(x, "metadata", "name"))));

    // The node agent's part, by hand.

    public Task BindAsync(JsonObject pod) =>
        Api.CreateSubresourceAsync(Pods, Json.String(pod, "metadata", "namespace"), Json.String(pod, "metadata", "name")!, "binding",
            new JsonObject { ["target"] = new JsonObject { ["kind"] = "Node", ["name"] = NodeName } }, default);

    /// <summary>Reports the compute container running and the pod Ready with <paramref name="ip"/>, as the agent does once QEMU runs.</summary>
    public Task RunAsync(string ns, string podName, string ip) => PodStatusAsync(ns, podName, status =>
    {
        status["phase"] = "Running";
        status["podIP"] = ip;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip });
        status["conditions"] = new JsonArray(
            Condition("PodScheduled", "True"), Condition("Initialized", "True"), Condition("ContainersReady", "True"), Condition("Ready", "True"));
        status["containerStatuses"] = new JsonArray(ContainerStatus(new JsonObject { ["running"] = new JsonObject { ["startedAt"] = "2026-11-27T10:00:00Z" } }, true));
    });

    /// <summary>Reports the image pull failing, as the agent does for an image it cannot get.</summary>
    public Task ImagePullErrorAsync(string ns, string podName, string reason, string message) => PodStatusAsync(ns, podName, status =>
    {
        status["phase"] = "Pending";
        status["containerStatuses"] = new JsonArray(ContainerStatus(new JsonObject
        {
            ["waiting"] = new JsonObject { ["reason"] = reason, ["message"] = message },
        }, false));
    });

    /// <summary>Reports the VM ended: exit 0 (the guest powered off) makes the pod Succeeded, anything else Failed.</summary>
    public Task EndAsync(string ns, string podName, int exitCode) => PodStatusAsync(ns, podName, status =>
    {
        status["phase"] = exitCode == 0 ? "Succeeded" : "Failed";
        status["conditions"] = new JsonArray(Condition("PodScheduled", "True"), Condition("Ready", "False"));
        status["containerStatuses"] = new JsonArray(ContainerStatus(new JsonObject
        {
            ["terminated"] = new JsonObject { ["exitCode"] = exitCode, ["reason"] = exitCode == 0 ? "Completed" : "Error" },
        }, false));
    });

    /// <summary>The agent's last step of a graceful deletion: the VM is down, the pod object goes (grace 0).</summary>
    public async Task FinishDeletionsAsync(string ns)
    {
        foreach (var pod in (await Api.ListAsync(Pods, ns, ListOptions.None, default)).Items.Where(p => Json.String(p, "metadata", "deletionTimestamp") is not null))
        {
            try
            {
                await Api.DeleteAsync(Pods, ns, Json.String(pod, "metadata", "name")!, new DeleteOptions { GracePeriodSeconds = 0 }, default);
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }
    }

    private async Task PodStatusAsync(string ns, string name, Action<JsonObject> change)
    {
        for (var attempt = 0; ; attempt++)
        {
            var pod = await Api.GetAsync(Pods, ns, name, default);
            change(Json.EnsureObject(pod, "status"));
            try
            {
                await Api.UpdateAsync(Pods, ns, pod, "status", default);
                return;
            }
            catch (ApiException e) when (e.Code == 409 && attempt < 20)
            {
            }
        }
    }

    private static JsonObject Condition(string type, string status) =>
        new() { ["type"] = type, ["status"] = status, ["lastTransitionTime"] = "2026-11-27T10:00:00Z" };

    private static JsonObject ContainerStatus(JsonObject state, bool ready) => new()
    {
        ["name"] = KubeVirtNames.ComputeContainer,
        ["image"] = "example",
        ["imageID"] = "",
        ["ready"] = ready,
        ["restartCount"] = 0,
        ["state"] = state,
    };

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
