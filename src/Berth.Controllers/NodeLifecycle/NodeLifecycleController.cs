using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Events;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.NodeLifecycle;

/// <summary>
/// Node health and taint-based eviction, as kube's node lifecycle and taint eviction controllers:
/// <code>
///   every nodeMonitorPeriod (5 s) and on each Lease / node change, per node:
///     heartbeat = the last time this controller saw the node's Lease (kube-node-lease/NODE) renewTime or the
///                 Ready condition's lastHeartbeatTime change (first sight counts as a heartbeat)
///     now − heartbeat &gt; nodeMonitorGracePeriod (40 s) ─▶ every condition Unknown (NodeStatusUnknown,
///                 "Kubelet stopped posting node status."), event NodeNotReady, its pods' Ready=False
///     taints follow Ready: False ─▶ not-ready, Unknown ─▶ unreachable (NoSchedule and NoExecute, timeAdded);
///                 True ─▶ none; spec.unschedulable ─▶ unschedulable:NoSchedule
///     pods on a node with NoExecute taints ─▶ deleted when not tolerated, or tolerationSeconds after the taint
///                 was added (pods without a not-ready/unreachable toleration count as tolerating 300 s:
///                 <see cref="DefaultTolerationSeconds"/>), event TaintManagerEviction
/// </code>
/// Ready goes back to True only when the node's agent writes it (as a kubelet does on its next status update);
/// the taints go with it.
/// </summary>
public sealed class NodeLifecycleController(ControllerContext context, WorkloadOptions options) : Controller("node-lifecycle", context, workers: 2)
{
    public const string Component = "node-controller";
    public const string LeaseNamespace = "kube-node-lease";
    public const string UnschedulableTaint = "node.kubernetes.io/unschedulable";

    private readonly ConcurrentDictionary<string, (string Signature, DateTimeOffset SeenAt)> _heartbeats = new(StringComparer.Ordinal);
    private ResourceType _nodeType = null!;
    private ResourceType _podType = null!;
    private Informer<JsonObject> _nodes = null!;
    private Informer<JsonObject> _leases = null!;
    private Informer<JsonObject> _pods = null!;
    private EventRecorder _events = null!;

    public override void Setup()
    {
        _nodeType = Context.Type("", "nodes");
        _podType = Context.Type("", "pods");
        _events = EventRecorder.For(Context, Component);
        _nodes = Context.Informers.For(_nodeType);
        _leases = Context.Informers.For(Context.Type("coordination.k8s.io", "leases"));
        _pods = Context.Informers.For(_podType);
        Indexes.AddPodIndexes(_pods);

        _nodes.OnAdd(n => Queue.Add(Meta.Name(n)));
        _nodes.OnUpdate((_, n) => Queue.Add(Meta.Name(n)));
        _nodes.OnDelete(n => _heartbeats.TryRemove(Meta.Name(n), out _));
        _leases.OnAdd(LeaseChanged);
        _leases.OnUpdate((_, l) => LeaseChanged(l));
        _pods.OnAdd(pod =>
        {
            if (PodState.NodeName(pod) is { Length: > 0 } node && _nodes.Get(node) is { } n
                && NodeMatching.Taints(n).Any(t => Json.String(t, "effect") == "NoExecute"))
            {
                Queue.Add(node);
            }
        });
    }

    private void LeaseChanged(JsonObject lease)
    {
        if (Meta.Namespace(lease) == LeaseNamespace)
        {
            Queue.Add(Meta.Name(lease));
        }
    }

    private static JsonObject? Ready(JsonObject node) => Conditions.Get(Json.Object(node, "status"), "Ready");

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var node = _nodes.Get(key);
        if (node is null)
        {
            return;
        }

        var now = Context.Time.GetUtcNow();
        var signature = $"{Json.String(_leases.Get(LeaseNamespace, key), "spec", "renewTime")}|{Json.String(Ready(node), "lastHeartbeatTime")}";
        var seen = _heartbeats.AddOrUpdate(key, _ => (signature, now), (_, old) => old.Signature == signature ? old : (signature, now));
        var silentFor = now - seen.SeenAt;

        if (silentFor > options.NodeMonitorGracePeriod && Json.String(Ready(node), "status") != "Unknown")
        {
            node = await MarkUnknownAsync(node, now, ct);
            await MarkPodsNotReadyAsync(key, now, ct);
        }

        node = await SyncTaintsAsync(node, now, ct);
        var nextEviction = await EvictAsync(node, now, ct);

        var recheck = options.NodeMonitorPeriod;
        if (silentFor <= options.NodeMonitorGracePeriod)
        {
            var untilUnknown = options.NodeMonitorGracePeriod - silentFor + TimeSpan.FromMilliseconds(50);
            recheck = untilUnknown < recheck ? untilUnknown : recheck;
        }

        if (nextEviction is { } at && at - now < recheck)
        {
            recheck = at - now;
        }

        Queue.AddAfter(key, recheck < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : recheck);
    }

    /// <summary>Every condition Unknown (a missing Ready gets NodeStatusNeverUpdated), as <c>tryUpdateNodeHealth</c>.</summary>
    private async Task<JsonObject> MarkUnknownAsync(JsonObject node, DateTimeOffset now, CancellationToken ct)
    {
        var copy = Meta.Copy(node);
        var status = Json.EnsureObject(copy, "status");
        var stamp = Timestamps.Format(now);
        var conditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = conditions;
        if (!conditions.OfType<JsonObject>().Any(c => Json.String(c, "type") == "Ready"))
        {
            conditions.Add(new JsonObject
            {
                ["type"] = "Ready",
                ["status"] = "Unknown",
                ["lastHeartbeatTime"] = Json.String(copy, "metadata", "creationTimestamp"),
                ["lastTransitionTime"] = stamp,
                ["reason"] = "NodeStatusNeverUpdated",
                ["message"] = "Kubelet never posted node status.",
            });
        }

        foreach (var c in conditions.OfType<JsonObject>())
        {
            if (Json.String(c, "status") == "Unknown")
            {
                continue;
            }

            c["status"] = "Unknown";
            c["reason"] = "NodeStatusUnknown";
            c["message"] = "Kubelet stopped posting node status.";
            c["lastTransitionTime"] = stamp;
        }

        var written = await Api.UpdateAsync(_nodeType, null, copy, "status", ct);
        await _events.NormalAsync(written, "NodeNotReady", $"Node {Meta.Name(written)} status is now: NodeNotReady", ct);
        return written;
    }

    /// <summary><c>MarkPodsNotReady</c>: pods on an unreachable node are not ready (Services stop sending them traffic).</summary>
    private async Task MarkPodsNotReadyAsync(string node, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var pod in _pods.ByIndex(Indexes.NodeName, node).Where(p => PodState.IsReady(p) && !PodState.IsTerminal(p)))
        {
            var copy = Meta.Copy(pod);
            var ready = PodState.Condition(copy, "Ready")!;
            ready["status"] = "False";
            ready["lastTransitionTime"] = Timestamps.Format(now);
            try
            {
                await Api.UpdateAsync(_podType, Meta.Namespace(copy), copy, "status", ct);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
            }
        }
    }

    /// <summary>
    /// The taints that follow the Ready condition (none while a new node has not reported one: it becomes Unknown after
    /// the grace period) and spec.unschedulable; kept taints keep their timeAdded.
    /// </summary>
    private async Task<JsonObject> SyncTaintsAsync(JsonObject node, DateTimeOffset now, CancellationToken ct)
    {
        var ready = Json.String(Ready(node), "status");
        var wanted = new List<(string Key, string Effect)>();
        var condition = ready switch
        {
            "False" => DefaultTolerationSeconds.NotReadyTaint,
            "Unknown" => DefaultTolerationSeconds.UnreachableTaint,
            _ => null,
        };
        if (condition is not null)
        {
            wanted.Add((condition, "NoSchedule"));
            wanted.Add((condition, "NoExecute"));
        }

        if (Json.Bool(node, "spec", "unschedulable") == true)
        {
            wanted.Add((UnschedulableTaint, "NoSchedule"));
        }

        var managed = new HashSet<string>(StringComparer.Ordinal) { DefaultTolerationSeconds.NotReadyTaint, DefaultTolerationSeconds.UnreachableTaint, UnschedulableTaint };
        var current = NodeMatching.Taints(node).ToList();
        var kept = current.Where(t => !managed.Contains(Json.String(t, "key") ?? "")
            || wanted.Contains((Json.String(t, "key")!, Json.String(t, "effect") ?? ""))).Select(t => (JsonObject)t.DeepClone()).ToList();
        foreach (var (key, effect) in wanted)
        {
            if (!kept.Any(t => Json.String(t, "key") == key && Json.String(t, "effect") == effect))
            {
                var taint = new JsonObject { ["key"] = key, ["effect"] = effect };
                if (effect == "NoExecute")
                {
                    taint["timeAdded"] = Timestamps.Format(now);
                }

                kept.Add(taint);
            }
        }

        if (kept.Count == current.Count && kept.Zip(current).All(p => JsonNode.DeepEquals(p.First, p.Second)))
        {
            return node;
        }

        var copy = Meta.Copy(node);
        var spec = Json.EnsureObject(copy, "spec");
        if (kept.Count == 0)
        {
            spec.Remove("taints");
        }
        else
        {
            spec["taints"] = new JsonArray([.. kept.Select(t => (JsonNode)t)]);
        }

        return await Api.UpdateAsync(_nodeType, null, copy, null, ct);
    }

    /// <summary>Deletes pods whose time on a NoExecute-tainted node is up; returns the next eviction time.</summary>
    private async Task<DateTimeOffset?> EvictAsync(JsonObject node, DateTimeOffset now, CancellationToken ct)
    {
        DateTimeOffset? next = null;
        foreach (var pod in _pods.ByIndex(Indexes.NodeName, Meta.Name(node)).Where(p => !Meta.IsDeleting(p) && !PodState.IsTerminal(p)))
        {
            if (TaintEviction.EvictAt(node, pod, options.DefaultTolerationSeconds, now) is not { } at)
            {
                continue;
            }

            if (at > now)
            {
                next = next is null || at < next ? at : next;
                continue;
            }

            try
            {
                var copy = Meta.Copy(pod);
                Conditions.Set(Json.EnsureObject(copy, "status"), Conditions.New("DisruptionTarget", "True", "DeletionByTaintManager",
                    "Taint manager: deleting due to NoExecute taint", now));
                await Api.UpdateAsync(_podType, Meta.Namespace(copy), copy, "status", ct);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
            }

            try
            {
                await Api.DeleteAsync(_podType, Meta.Namespace(pod), Meta.Name(pod), new DeleteOptions { PreconditionUid = Meta.Uid(pod) }, ct);
                await _events.NormalAsync(pod, "TaintManagerEviction", $"Marking for deletion Pod {Meta.Namespace(pod)}/{Meta.Name(pod)}", ct);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
            }
        }

        return next;
    }
}
