using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Bench.Scenarios;

/// <summary>
/// The stand-in for a node agent in <c>deployment-scale</c> (as KWOK's): every pod bound to its node is reported
/// Running and Ready at once, and terminating pods are deleted at once. Records when each pod was first seen
/// created, bound and ready, so the scenario can split the time between the parts.
/// </summary>
public sealed class DeploymentScaleKubelet : IAsyncDisposable
{
    public const string Node = "bench-node";

    private readonly IApiClient _api;
    private readonly ResourceRegistry _registry;
    private readonly ResourceType _pods;
    private readonly Informer<JsonObject> _informer;
    private readonly Channel<string> _work = Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (DateTime? Created, DateTime? Bound, DateTime? Ready)> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private readonly List<Task> _loops = [];

    public DeploymentScaleKubelet(IApiClient api, ResourceRegistry registry, string ns)
    {
        _api = api;
        _registry = registry;
        _pods = registry.Find("", "v1", "pods")!;
        _informer = new Informer<JsonObject>(api, _pods, o => o, TimeProvider.System, NullLogger.Instance, ns);
        _informer.OnAdd(Observe);
        _informer.OnUpdate((_, p) => Observe(p));
    }

    private void Observe(JsonObject pod)
    {
        var now = DateTime.UtcNow;
        var uid = Json.String(pod, "metadata", "uid") ?? "";
        var bound = !string.IsNullOrEmpty(Json.String(pod, "spec", "nodeName"));
        var ready = (Json.Array(pod, "status", "conditions") ?? []).OfType<JsonObject>()
            .Any(c => Json.String(c, "type") == "Ready" && Json.String(c, "status") == "True");
        lock (_lock)
        {
            var s = _seen.GetValueOrDefault(uid);
            _seen[uid] = (s.Created ?? now, s.Bound ?? (bound ? now : null), s.Ready ?? (ready ? now : null));
        }

        _work.Writer.TryWrite(Informer<JsonObject>.KeyOf(pod));
    }

    /// <summary>Per pod uid: when it was seen created, bound and ready.</summary>
    public Dictionary<string, (DateTime? Created, DateTime? Bound, DateTime? Ready)> Timeline()
    {
        lock (_lock)
        {
            return new(_seen);
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _seen.Clear();
        }
    }

    public async Task StartAsync()
    {
        _loops.Add(Task.Run(() => _informer.RunAsync(_stop.Token)));
        await _informer.WaitForSyncAsync(_stop.Token);
        for (var i = 0; i < 4; i++)
        {
            _loops.Add(Task.Run(WorkAsync));
        }

        _loops.Add(Task.Run(RenewAsync));
    }

    /// <summary>Renews the node's Lease every 5 s, as a kubelet does, so node lifecycle keeps the node Ready.</summary>
    private async Task RenewAsync()
    {
        var leases = _registry.Find("coordination.k8s.io", "v1", "leases")!;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _api.UpdateAsync(leases, "kube-node-lease", new JsonObject
                {
                    ["apiVersion"] = "coordination.k8s.io/v1",
                    ["kind"] = "Lease",
                    ["metadata"] = new JsonObject { ["name"] = Node, ["namespace"] = "kube-node-lease" },
                    ["spec"] = new JsonObject
                    {
                        ["holderIdentity"] = Node,
                        ["leaseDurationSeconds"] = 40,
                        ["renewTime"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                    },
                }, null, _stop.Token);
                await Task.Delay(TimeSpan.FromSeconds(5), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ApiException)
            {
            }
        }
    }

    private async Task WorkAsync()
    {
        try
        {
            await foreach (var key in _work.Reader.ReadAllAsync(_stop.Token))
            {
                var pod = _informer.Get(key);
                if (pod is null)
                {
                    continue;
                }

                var ns = Json.String(pod, "metadata", "namespace");
                var name = Json.String(pod, "metadata", "name")!;
                try
                {
                    if (Json.String(pod, "metadata", "deletionTimestamp") is not null)
                    {
                        await _api.DeleteAsync(_pods, ns, name, new DeleteOptions { GracePeriodSeconds = 0 }, _stop.Token);
                        continue;
                    }

                    var uid = Json.String(pod, "metadata", "uid")!;
                    if (string.IsNullOrEmpty(Json.String(pod, "spec", "nodeName")))
                    {
                        continue;
                    }

                    lock (_lock)
                    {
                        if (!_reported.Add(uid))
                        {
                            continue;
                        }
                    }

                    await ReportReadyAsync(ns, name);
                }
                catch (ApiException)
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReportReadyAsync(string? ns, string name)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var pod = await _api.GetAsync(_pods, ns, name, _stop.Token);
            var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var status = Json.EnsureObject(pod, "status");
            status["phase"] = "Running";
            status["startTime"] = now;
            status["conditions"] = new JsonArray(
                Condition("Initialized", now), Condition("Ready", now), Condition("ContainersReady", now), Condition("PodScheduled", now));
            status["containerStatuses"] = new JsonArray([.. (Json.Array(pod, "spec", "containers") ?? []).OfType<JsonObject>().Select(c => (JsonNode)new JsonObject
            {
                ["name"] = Json.String(c, "name"),
                ["image"] = Json.String(c, "image"),
                ["ready"] = true,
                ["started"] = true,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
            })]);
            try
            {
                await _api.UpdateAsync(_pods, ns, pod, "status", _stop.Token);
                return;
            }
            catch (ApiException e) when (e.Code == 409)
            {
            }
        }
    }

    private static JsonObject Condition(string type, string now) =>
        new() { ["type"] = type, ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = now };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _work.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
