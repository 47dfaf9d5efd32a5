using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Controllers.Tests.Support;

/// <summary>
/// A node agent that runs nothing, as KWOK's: it watches pods, writes the status a kubelet would (Running and
/// Ready, Succeeded or Failed, per a policy chosen by the test for each namespace), finishes the deletion of
/// terminating pods (delete with grace 0, as a kubelet does once containers stopped), and renews the Lease of
/// the nodes it is told to keep alive.
/// </summary>
public sealed class FakeKubelet : IAsyncDisposable
{
    private readonly IApiClient _api;
    private readonly ResourceType _pods;
    private readonly ResourceType _leases;
    private readonly ResourceType _nodes;
    private readonly Informer<JsonObject> _informer;
    private readonly Channel<string> _work = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, Func<JsonObject, PodPlan>> _policies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _handled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _leased = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private int _podIp;

    public FakeKubelet(IApiClient api, ResourceRegistry registry)
    {
        _api = api;
        _pods = registry.Find("", "v1", "pods")!;
        _leases = registry.Find("coordination.k8s.io", "v1", "leases")!;
        _nodes = registry.Find("", "v1", "nodes")!;
        _informer = new Informer<JsonObject>(api, _pods, o => o, TimeProvider.System, NullLogger.Instance);
        _informer.OnAdd(p => _work.Writer.TryWrite(Informer<JsonObject>.KeyOf(p)));
        _informer.OnUpdate((_, p) => _work.Writer.TryWrite(Informer<JsonObject>.KeyOf(p)));
    }

    /// <summary>The policy for namespaces without their own: Running and Ready at once.</summary>
    public Func<JsonObject, PodPlan> DefaultPolicy { get; set; } = _ => PodPlan.Now(PodOutcome.RunReady);

    /// <summary>Whether terminating pods are deleted (their containers "stop" at once).</summary>
    public bool FinishDeletions { get; set; } = true;

    public void SetPolicy(string ns, Func<JsonObject, PodPlan> policy) => _policies[ns] = policy;

    /// <summary>Starts renewing (or stops renewing) the Lease of <paramref name="node"/> in kube-node-lease.</summary>
    public void KeepAlive(string node, bool alive = true) => _leased[node] = alive;

    public async Task StartAsync()
    {
        _loops.Add(Task.Run(() => _informer.RunAsync(_stop.Token)));
        await _informer.WaitForSyncAsync(_stop.Token);
        _loops.Add(Task.Run(WorkAsync));
        _loops.Add(Task.Run(LeasesAsync));
    }

    private async Task WorkAsync()
    {
        try
        {
            await foreach (var key in _work.Reader.ReadAllAsync(_stop.Token))
            {
                await HandleAsync(key);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task HandleAsync(string key)
    {
        var pod = _informer.Get(key);
        if (pod is null)
        {
            return;
        }

        var ns = Json.String(pod, "metadata", "namespace")!;
        var name = Json.String(pod, "metadata", "name")!;
        var node = Json.String(pod, "spec", "nodeName");
        if (Json.String(pod, "metadata", "deletionTimestamp") is not null)
        {
            if (FinishDeletions && !string.IsNullOrEmpty(node) && Json.Long(pod, "metadata", "deletionGracePeriodSeconds") is not 0)
            {
                await TryAsync(() => _api.DeleteAsync(_pods, ns, name, new DeleteOptions { GracePeriodSeconds = 0 }, _stop.Token));
            }

            return;
        }

        var uid = Json.String(pod, "metadata", "uid")!;
        if (string.IsNullOrEmpty(node) || Json.String(pod, "status", "phase") is "Succeeded" or "Failed" || !_handled.TryAdd(uid, key))
        {
            return;
        }

        var policy = _policies.GetValueOrDefault(ns) ?? DefaultPolicy;
        var plan = policy(pod);
        if (plan.Outcome == PodOutcome.Ignore)
        {
            return;
        }

        if (plan.Delay > TimeSpan.Zero)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await Task.Delay(plan.Delay, _stop.Token);
                    await ReportAsync(ns, name, uid, plan.Outcome);
                }
                catch (OperationCanceledException)
                {
                }
            });
            return;
        }

        await ReportAsync(ns, name, uid, plan.Outcome);
    }

    /// <summary>Writes the status of <paramref name="outcome"/> now (tests may call it directly).</summary>
    public async Task ReportAsync(string ns, string name, string? uid, PodOutcome outcome)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            JsonObject pod;
            try
            {
                pod = await _api.GetAsync(_pods, ns, name, _stop.Token);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                return;
            }

            if ((uid is not null && Json.String(pod, "metadata", "uid") != uid) || Json.String(pod, "metadata", "deletionTimestamp") is not null)
            {
                return;
            }

            Apply(pod, outcome);
            try
            {
                await _api.UpdateAsync(_pods, ns, pod, "status", _stop.Token);
                return;
            }
            catch (ApiException e) when (e.Code == 409)
            {
            }
            catch (ApiException e) when (e.Code == 404)
            {
                return;
            }
        }
    }

    private void Apply(JsonObject pod, PodOutcome outcome)
    {
        var now = Stamp(DateTimeOffset.UtcNow);
        var status = Json.EnsureObject(pod, "status");
        var running = outcome is PodOutcome.RunReady or PodOutcome.RunNotReady;
        var ready = outcome == PodOutcome.RunReady;
        status["phase"] = outcome switch
        {
            PodOutcome.Succeed => "Succeeded",
            PodOutcome.Fail => "Failed",
            _ => "Running",
        };
        status["hostIP"] = "10.0.0.1";
        status["podIP"] ??= $"10.88.{Interlocked.Increment(ref _podIp) / 250 % 250}.{_podIp % 250 + 2}";
        status["startTime"] ??= now;
        var conditions = new JsonArray
        {
            Condition("PodReadyToStartContainers", "True", now),
            Condition("Initialized", "True", now),
            Condition("Ready", ready ? "True" : "False", now, ready ? null : running ? "ContainersNotReady" : outcome == PodOutcome.Succeed ? "PodCompleted" : "PodFailed"),
            Condition("ContainersReady", ready ? "True" : "False", now),
            Condition("PodScheduled", "True", now),
        };
        status["conditions"] = conditions;
        var containers = new JsonArray();
        foreach (var c in Json.Array(pod, "spec", "containers")?.OfType<JsonObject>() ?? [])
        {
            JsonObject state = running
                ? new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } }
                : new JsonObject
                {
                    ["terminated"] = new JsonObject
                    {
                        ["exitCode"] = outcome == PodOutcome.Succeed ? 0 : 1,
                        ["reason"] = outcome == PodOutcome.Succeed ? "Completed" : "Error",
                        ["startedAt"] = now,
                        ["finishedAt"] = now,
                    },
                };
            containers.Add(new JsonObject
            {
                ["name"] = Json.String(c, "name"),
                ["image"] = Json.String(c, "image"),
                ["imageID"] = "",
                ["ready"] = ready,
                ["started"] = running,
                ["restartCount"] = 0,
                ["state"] = state,
            });
        }

        status["containerStatuses"] = containers;
    }

    private static JsonObject Condition(string type, string status, string now, string? reason = null)
    {
        var c = new JsonObject { ["type"] = type, ["status"] = status, ["lastProbeTime"] = null, ["lastTransitionTime"] = now };
        if (reason is not null)
        {
            c["reason"] = reason;
        }

        return c;
    }

    private async Task LeasesAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var (node, alive) in _leased)
            {
                if (alive)
                {
                    await TryAsync(() => RenewAsync(node));
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Renews <paramref name="node"/>'s Lease and keeps its Ready condition True, as a kubelet's status loop does.</summary>
    public async Task RenewAsync(string node)
    {
        var now = Stamp(DateTimeOffset.UtcNow, micro: true);
        var lease = new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["name"] = node, ["namespace"] = "kube-node-lease" },
            ["spec"] = new JsonObject { ["holderIdentity"] = node, ["leaseDurationSeconds"] = 40, ["renewTime"] = now },
        };
        await _api.UpdateAsync(_leases, "kube-node-lease", lease, null, _stop.Token);
        var n = await _api.GetAsync(_nodes, null, node, _stop.Token);
        var ready = (Json.Array(n, "status", "conditions") ?? []).OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == "Ready");
        if (Json.String(ready, "status") != "True")
        {
            var status = Json.EnsureObject(n, "status");
            status["conditions"] = new JsonArray(TestObjects.ReadyCondition(DateTimeOffset.UtcNow));
            await _api.UpdateAsync(_nodes, null, n, "status", _stop.Token);
        }
    }

    private static async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (ApiException)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Stamp(DateTimeOffset t, bool micro = false) =>
        t.UtcDateTime.ToString(micro ? "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'" : "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

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
