using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers;
using Berth.Controllers.Runtime;
using Berth.Server;
using Berth.Server.Core;
using Berth.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Berth.Bench.Scenarios;

/// <summary>
/// <c>bench/run deployment-scale [--replicas 100] [--runs 3] [--store sqlite|memory]</c>: an in-process server (the
/// store, API, controllers and scheduler of <c>berth up</c>) with one node whose agent is a KWOK-style stand-in
/// that reports every bound pod Running and Ready at once. A Deployment is scaled 0 → N; the figure is the time
/// until all N pods are Ready and until the Deployment reports them available (what <c>kubectl rollout status</c>
/// waits for). The controllers' share is everything but the stand-in kubelet's: pods created (ReplicaSet
/// controller), bound (scheduler), and the Deployment status caught up after the last pod was Ready.
/// </summary>
public sealed class DeploymentScaleScenario : IScenario
{
    public string Name => "deployment-scale";

    public string Description => "Deployment 0 → N on one node with a KWOK-style kubelet (--replicas 100 --runs 3 --store sqlite|memory)";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var replicas = 100;
        var runs = 3;
        var storeKind = "sqlite";
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--replicas": replicas = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--store": storeKind = args[++i]; break;
                default:
                    Console.Error.WriteLine($"deployment-scale: unknown option {args[i]}");
                    return 2;
            }
        }

        var dataDir = Directory.CreateTempSubdirectory("berth-bench-deploy-").FullName;
        try
        {
            return await RunInAsync(dataDir, replicas, runs, storeKind, cancellationToken);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<int> RunInAsync(string dataDir, int replicas, int runs, string storeKind, CancellationToken ct)
    {
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        var store = StoreFactory.Create(storeKind == "memory" ? "memory:" : $"sqlite:{Path.Combine(dataDir, "state.db")}", loggers);
        var options = new ServerOptions { DataDir = dataDir, ApiPort = FreePort(), BindAddress = "127.0.0.1" };
        var app = BerthServerHost.Build(options, store, s => s.AddBerthControllers("bench", new WorkloadOptions { DataDir = dataDir }),
            logging: b => b.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync(ct);
        try
        {
            await app.Services.GetRequiredService<ControllerManager>().Synced.WaitAsync(ct);
            var api = app.Services.GetRequiredService<LocalApiClient>();
            var registry = app.Services.GetRequiredService<ResourceRegistry>();
            await CreateNodeAsync(api, registry, replicas, ct);
            await using var kubelet = new DeploymentScaleKubelet(api, registry, "default");
            await kubelet.StartAsync();

            var rows = new List<Row>();
            for (var run = 0; run < runs; run++)
            {
                rows.Add(await OneRunAsync(api, registry, kubelet, $"scale-{run}", replicas, ct));
            }

            Print(rows, replicas, storeKind);
            return 0;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private sealed record Row(double Created, double Bound, double Ready, double Available, double KubeletShare)
    {
        public double ControllerShare => Available - KubeletShare;
    }

    private static async Task<Row> OneRunAsync(IApiClient api, ResourceRegistry registry, DeploymentScaleKubelet kubelet, string name, int replicas,
        CancellationToken ct)
    {
        var deployments = registry.Find("apps", "v1", "deployments")!;
        await api.CreateAsync(deployments, "default", Deployment(name), ct);
        await WaitAsync(async () => Json.Long(await api.GetAsync(deployments, "default", name, ct), "status", "observedGeneration") >= 1, ct);
        kubelet.Reset();

        var clock = Stopwatch.StartNew();
        var start = DateTime.UtcNow;
        var d = await api.GetAsync(deployments, "default", name, ct);
        d["spec"]!["replicas"] = replicas;
        await api.UpdateAsync(deployments, "default", d, null, ct);
        double? allReady = null;
        await WaitAsync(async () =>
        {
            var timeline = kubelet.Timeline();
            if (allReady is null && timeline.Values.Count(t => t.Ready is not null) >= replicas)
            {
                allReady = clock.Elapsed.TotalSeconds;
            }

            var current = await api.GetAsync(deployments, "default", name, ct);
            return Json.Long(current, "status", "availableReplicas") == replicas && Json.Long(current, "status", "updatedReplicas") == replicas
                && Json.Long(current, "status", "observedGeneration") >= Json.Long(current, "metadata", "generation");
        }, ct);
        var available = clock.Elapsed.TotalSeconds;
        var pods = kubelet.Timeline().Values.Where(t => t.Ready is not null).ToList();
        double Since(DateTime? t) => ((t ?? start) - start).TotalSeconds;
        var created = pods.Max(p => Since(p.Created));
        var bound = pods.Max(p => Since(p.Bound));
        var ready = allReady ?? pods.Max(p => Since(p.Ready));
        var kubeletShare = pods.Max(p => Since(p.Ready)) - bound < 0 ? 0 : pods.Max(p => Since(p.Ready)) - bound;

        // Scale back and delete, so runs do not stack up on the node.
        var back = await api.GetAsync(deployments, "default", name, ct);
        back["spec"]!["replicas"] = 0;
        await api.UpdateAsync(deployments, "default", back, null, ct);
        var podType = registry.Find("", "v1", "pods")!;
        await WaitAsync(async () => (await api.ListAsync(podType, "default", ListOptions.None, ct)).Items.Count == 0, ct);
        await api.DeleteAsync(deployments, "default", name, null, ct);
        return new Row(created, bound, ready, available, kubeletShare);
    }

    private static void Print(List<Row> rows, int replicas, string store)
    {
        Console.WriteLine($"deployment-scale: Deployment 0 → {replicas} on one node, KWOK-style kubelet (Ready at once), store {store}, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine($"{"run",4} {"last created s",15} {"last bound s",13} {"all ready s",12} {"available s",12} {"kubelet s",10} {"controllers s",14}");
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            Console.WriteLine($"{i + 1,4} {r.Created,15:F3} {r.Bound,13:F3} {r.Ready,12:F3} {r.Available,12:F3} {r.KubeletShare,10:F3} {r.ControllerShare,14:F3}");
        }

        static double Median(IEnumerable<double> xs)
        {
            var s = xs.Order().ToList();
            return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
        }

        var json = new Dictionary<string, object>
        {
            ["scenario"] = "deployment-scale",
            ["replicas"] = replicas,
            ["runs"] = rows.Count,
            ["store"] = store,
            ["kubelet"] = "kwok-style, Ready at once",
            ["allReadySeconds"] = Math.Round(Median(rows.Select(r => r.Ready)), 3),
            ["availableSeconds"] = Math.Round(Median(rows.Select(r => r.Available)), 3),
            ["lastCreatedSeconds"] = Math.Round(Median(rows.Select(r => r.Created)), 3),
            ["lastBoundSeconds"] = Math.Round(Median(rows.Select(r => r.Bound)), 3),
            ["kubeletSeconds"] = Math.Round(Median(rows.Select(r => r.KubeletShare)), 3),
            ["controllerSeconds"] = Math.Round(Median(rows.Select(r => r.ControllerShare)), 3),
        };
        Console.WriteLine(JsonSerializer.Serialize(json));
    }

    private static JsonObject Deployment(string name) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["replicas"] = 0,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "app",
                        ["image"] = "busybox:1.36",
                        ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "10m", ["memory"] = "16Mi" } },
                    }),
                },
            },
        },
    };

    private static async Task CreateNodeAsync(IApiClient api, ResourceRegistry registry, int replicas, CancellationToken ct)
    {
        var nodes = registry.Find("", "v1", "nodes")!;
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var capacity = new JsonObject { ["cpu"] = "64", ["memory"] = "256Gi", ["pods"] = (replicas + 10).ToString(CultureInfo.InvariantCulture) };
        await api.CreateAsync(nodes, null, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = new JsonObject { ["name"] = "bench-node", ["labels"] = new JsonObject { ["kubernetes.io/hostname"] = "bench-node" } },
        }, ct);
        var node = await api.GetAsync(nodes, null, "bench-node", ct);
        node["status"] = new JsonObject
        {
            ["capacity"] = capacity,
            ["allocatable"] = capacity.DeepClone(),
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady", ["lastHeartbeatTime"] = now, ["lastTransitionTime"] = now,
            }),
        };
        await api.UpdateAsync(nodes, null, node, "status", ct);
        var leases = registry.Find("coordination.k8s.io", "v1", "leases")!;
        await api.UpdateAsync(leases, "kube-node-lease", new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["name"] = "bench-node", ["namespace"] = "kube-node-lease" },
            ["spec"] = new JsonObject { ["holderIdentity"] = "bench-node", ["leaseDurationSeconds"] = 40, ["renewTime"] = now },
        }, null, ct);
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("deployment-scale: timed out after 2 minutes");
            }

            await Task.Delay(5, ct);
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
