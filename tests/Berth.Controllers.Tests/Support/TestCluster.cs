using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;
using Berth.Server;
using Berth.Server.Core;
using Berth.Store.Memory;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Tests.Support;

/// <summary>
/// An in-process Berth API server (memory store, loopback port, temp data dir) with the controllers running,
/// and a <see cref="FakeKubelet"/> for the nodes tests add. Disposing stops everything and removes the directory.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _namespaces;

    private TestCluster(WebApplication app, string dataDir)
    {
        _app = app;
        DataDir = dataDir;
        Api = app.Services.GetRequiredService<LocalApiClient>();
        Registry = app.Services.GetRequiredService<ResourceRegistry>();
        Kubelet = new FakeKubelet(Api, Registry);
    }

    public IApiClient Api { get; }

    public ResourceRegistry Registry { get; }

    public FakeKubelet Kubelet { get; }

    public string DataDir { get; }

    public IServiceProvider Services => _app.Services;

    public ResourceType Pods => Type("", "pods");

    public ResourceType Nodes => Type("", "nodes");

    public ResourceType Deployments => Type("apps", "deployments");

    public ResourceType ReplicaSets => Type("apps", "replicasets");

    public ResourceType Type(string group, string plural) => Registry.Find(group, "v1", plural)!;

    /// <summary>Debug lines of the job controller (for failure messages).</summary>
    public MemoryLog Log { get; private set; } = null!;

    public static async Task<TestCluster> StartAsync(WorkloadOptions? options = null, Action<IServiceCollection>? configure = null)
    {
        var memory = new MemoryLog("Berth.Controllers.job");
        var dataDir = Directory.CreateTempSubdirectory("bt-controllers-").FullName;
        var serverOptions = new ServerOptions { DataDir = dataDir, ApiPort = FreePort(), BindAddress = "127.0.0.1" };
        var verbose = Environment.GetEnvironmentVariable("BERTH_TEST_LOG") == "1";
        var app = BerthServerHost.Build(serverOptions, new MemoryStore(), services =>
        {
            services.AddBerthControllers("bt-test", (options ?? new WorkloadOptions()) with { DataDir = dataDir });
            configure?.Invoke(services);
        }, logging: b =>
        {
            b.AddProvider(memory).SetMinimumLevel(LogLevel.Debug).AddFilter("Microsoft", LogLevel.Warning);
            if (verbose)
            {
                b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Debug).AddFilter("Microsoft", LogLevel.Warning);
            }
        });
        await app.StartAsync();
        var cluster = new TestCluster(app, dataDir) { Log = memory };
        await app.Services.GetRequiredService<ControllerManager>().Synced.WaitAsync(TimeSpan.FromSeconds(30));
        await cluster.Kubelet.StartAsync();
        return cluster;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>A fresh namespace named <c>bt-PREFIX-N</c>.</summary>
    public async Task<string> NamespaceAsync(string prefix)
    {
        var name = $"bt-{prefix}-{Interlocked.Increment(ref _namespaces)}";
        await Api.CreateAsync(Type("", "namespaces"), null, TestObjects.Namespace(name), default);
        return name;
    }

    /// <summary>Adds a KWOK-style node; its Lease is renewed by the fake kubelet unless <paramref name="keepAlive"/> is false.</summary>
    public async Task<JsonObject> AddNodeAsync(string name, IDictionary<string, string>? labels = null, string cpu = "8", string memory = "32Gi",
        int pods = 110, JsonArray? taints = null, bool keepAlive = true)
    {
        var node = TestObjects.Node(name, labels, cpu, memory, pods, taints);
        var status = node["status"]!.DeepClone();
        await Api.CreateAsync(Nodes, null, node, default);
        var written = await UpdateAsync(Nodes, null, name, n => n["status"] = status.DeepClone(), "status");
        Kubelet.KeepAlive(name, keepAlive);
        return written;
    }

    public Task<JsonObject> CreateAsync(ResourceType type, JsonObject obj) =>
        Api.CreateAsync(type, Json.String(obj, "metadata", "namespace"), obj, default);

    public Task<JsonObject> GetAsync(ResourceType type, string? ns, string name) => Api.GetAsync(type, ns, name, default);

    public async Task<IReadOnlyList<JsonObject>> ListAsync(ResourceType type, string? ns) => (await Api.ListAsync(type, ns, ListOptions.None, default)).Items;

    /// <summary>Reads, changes and writes an object, retrying on conflicts.</summary>
    public async Task<JsonObject> UpdateAsync(ResourceType type, string? ns, string name, Action<JsonObject> change, string? subresource = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            var obj = await Api.GetAsync(type, ns, name, default);
            change(obj);
            try
            {
                return await Api.UpdateAsync(type, ns, obj, subresource, default);
            }
            catch (ApiException e) when (e.Code == 409 && attempt < 20)
            {
            }
        }
    }

    /// <summary>The pods of <paramref name="ns"/> that are not being deleted.</summary>
    public async Task<List<JsonObject>> LivePodsAsync(string ns) =>
        [.. (await ListAsync(Pods, ns)).Where(p => Json.String(p, "metadata", "deletionTimestamp") is null)];

    /// <summary>The workload objects and pods of a namespace, one line each, for failure messages.</summary>
    public async Task<string> DescribeAsync(string ns)
    {
        var lines = new List<string>();
        foreach (var plural in new[] { "deployments", "replicasets", "statefulsets", "daemonsets", "jobs" })
        {
            var type = Registry.Find(plural is "jobs" ? "batch" : "apps", "v1", plural)!;
            foreach (var o in await ListAsync(type, ns))
            {
                lines.Add($"{plural}/{Json.String(o, "metadata", "name")} gen {Json.Long(o, "metadata", "generation")} spec.replicas {Json.Long(o, "spec", "replicas")} status {o["status"]?.ToJsonString()}");
            }
        }

        foreach (var p in await ListAsync(Pods, ns))
        {
            var ready = (Json.Array(p, "status", "conditions") ?? []).OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == "Ready");
            lines.Add($"pod/{Json.String(p, "metadata", "name")} node {Json.String(p, "spec", "nodeName")} phase {Json.String(p, "status", "phase")} ready {Json.String(ready, "status")} deleting {Json.String(p, "metadata", "deletionTimestamp") is not null}");
        }

        return string.Join("\n", lines);
    }

    /// <summary>The events of a namespace in order, one line each.</summary>
    public async Task<string> EventsAsync(string ns) =>
        string.Join("\n", (await ListAsync(Type("", "events"), ns))
            .OrderBy(e => Json.String(e, "metadata", "name"), StringComparer.Ordinal)
            .Select(e => $"{Json.String(e, "lastTimestamp")} {Json.String(e, "involvedObject", "name")} {Json.String(e, "reason")} {Json.String(e, "message")} x{Json.Long(e, "count")}"));

    public async ValueTask DisposeAsync()
    {
        await Kubelet.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
