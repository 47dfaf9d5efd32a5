using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Events;
using Berth.Controllers.Runtime;
using Berth.Scheduler;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Scheduling;

/// <summary>
/// kube-scheduler's loop around the pure <see cref="PodScheduler"/>:
/// <code>
///   pending pod (no nodeName, schedulerName default-scheduler) ─▶ one "batch" key
///   batch: snapshot (nodes, pods on nodes, namespaces from the caches) + pending pods that are due
///     ─▶ PodScheduler.Schedule
///     ─▶ binding:  POST pods/NAME/binding, event Scheduled "Successfully assigned NS/POD to NODE"
///     ─▶ failure:  PodScheduled=False (Unschedulable, the message) in status, event Warning FailedScheduling;
///                  preemption: delete the victims (event Preempted), then status.nominatedNodeName
///                  ─▶ unschedulable set: retried when a node changes or a pod on a node comes or goes
///                     (after a back-off of 1 s doubling to 10 s), and at the latest after 5 minutes
/// </code>
/// Pods are taken in batches: every pending pod that is due when a batch starts, so a Deployment scaled to 100
/// is placed in one or a few calls. Bindings go out in parallel.
/// </summary>
public sealed partial class SchedulerController(ControllerContext context, SchedulerConfig? config = null)
    : Controller("scheduler", context, workers: 1)
{
    public const string Component = "default-scheduler";
    public const string BatchKey = "batch";
    private const int Parallelism = 16;

    private readonly SchedulerConfig _config = config ?? SchedulerConfig.Default;
    private readonly ConcurrentDictionary<string, UnschedulablePod> _unschedulable = new(StringComparer.Ordinal);
    private readonly TypedCache<V1Pod> _typedPods = new();
    private readonly TypedCache<V1Node> _typedNodes = new();
    private long _epoch;
    private ResourceType _podType = null!;
    private Informer<JsonObject> _pods = null!;
    private Informer<JsonObject> _nodes = null!;
    private Informer<JsonObject> _namespaces = null!;
    private Informer<JsonObject> _claims = null!;
    private Informer<JsonObject> _volumes = null!;
    private EventRecorder _events = null!;

    /// <summary>How many pods are waiting in the unschedulable set.</summary>
    public int UnschedulableCount => _unschedulable.Count;

    public override void Setup()
    {
        _podType = Context.Type("", "pods");
        _events = EventRecorder.For(Context, Component);
        _pods = Context.Informers.For(_podType);
        Indexes.AddPodIndexes(_pods);
        _nodes = Context.Informers.For(Context.Type("", "nodes"));
        _namespaces = Context.Informers.For(Context.Type("", "namespaces"));
        _claims = Context.Informers.For(Context.Type("", "persistentvolumeclaims"));
        _volumes = Context.Informers.For(Context.Type("", "persistentvolumes"));
        foreach (var storage in new[] { _claims, _volumes })
        {
            storage.OnAdd(_ => ClusterChanged());
            storage.OnUpdate((_, _) => ClusterChanged());
            storage.OnDelete(_ => ClusterChanged());
        }

        _pods.OnAdd(pod =>
        {
            if (IsPending(pod))
            {
                Queue.Add(BatchKey);
            }
            else if (PodState.NodeName(pod).Length > 0)
            {
                ClusterChanged();
            }
        });
        _pods.OnUpdate(PodUpdated);
        _pods.OnDelete(pod =>
        {
            _typedPods.Forget(pod);
            _unschedulable.TryRemove(Meta.Key(pod), out _);
            if (PodState.NodeName(pod).Length > 0)
            {
                ClusterChanged();
            }
        });
        _nodes.OnAdd(_ => ClusterChanged());
        _nodes.OnUpdate((old, node) =>
        {
            if (NodeSchedulingChanged(old, node))
            {
                ClusterChanged();
            }
        });
        _nodes.OnDelete(node =>
        {
            _typedNodes.Forget(node);
            ClusterChanged();
        });
    }

    private void PodUpdated(JsonObject old, JsonObject pod)
    {
        var oldNode = PodState.NodeName(old);
        var node = PodState.NodeName(pod);
        if (node.Length == 0)
        {
            // The pod's own scheduling constraints changed: try it again (our status writes do not count).
            if (Meta.Generation(old) != Meta.Generation(pod) || !JsonNode.DeepEquals(Meta.Labels(old), Meta.Labels(pod)))
            {
                _unschedulable.TryRemove(Meta.Key(pod), out _);
            }

            if (IsPending(pod))
            {
                Queue.Add(BatchKey);
            }

            return;
        }

        if (oldNode.Length == 0 || PodState.IsTerminal(pod) != PodState.IsTerminal(old)
            || !JsonNode.DeepEquals(Meta.Labels(old), Meta.Labels(pod)))
        {
            ClusterChanged();
        }
    }

    /// <summary>Labels, taints, allocatable, unschedulable or readiness: what filters look at.</summary>
    private static bool NodeSchedulingChanged(JsonObject old, JsonObject node) =>
        !JsonNode.DeepEquals(Meta.Labels(old), Meta.Labels(node))
        || !JsonNode.DeepEquals(Json.Walk(old, "spec", "taints"), Json.Walk(node, "spec", "taints"))
        || Json.Bool(old, "spec", "unschedulable") != Json.Bool(node, "spec", "unschedulable")
        || !JsonNode.DeepEquals(Json.Walk(old, "status", "allocatable"), Json.Walk(node, "status", "allocatable"))
        || Json.String(NodeReady(old), "status") != Json.String(NodeReady(node), "status");

    private static JsonObject? NodeReady(JsonObject node) =>
        Json.Array(node, "status", "conditions")?.OfType<JsonObject>().FirstOrDefault(c => Json.String(c, "type") == "Ready");

    private void ClusterChanged()
    {
        Interlocked.Increment(ref _epoch);
        if (!_unschedulable.IsEmpty)
        {
            Queue.Add(BatchKey);
        }
    }

    /// <summary>Unassigned, for this scheduler, not finished and not being deleted.</summary>
    public static bool IsPending(JsonObject pod) =>
        PodState.NodeName(pod).Length == 0
        && (Json.String(pod, "spec", "schedulerName") ?? Component) is Component or ""
        && !PodState.IsTerminal(pod) && !Meta.IsDeleting(pod);

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var now = Context.Time.GetUtcNow();
        var epoch = Interlocked.Read(ref _epoch);
        var due = new List<JsonObject>();
        DateTimeOffset? nextCheck = null;
        foreach (var pod in _pods.ByIndex(Indexes.NodeName, ""))
        {
            if (!IsPending(pod))
            {
                continue;
            }

            if (_unschedulable.TryGetValue(Meta.Key(pod), out var waiting) && !waiting.Due(now, epoch))
            {
                var next = waiting.NextCheck(epoch);
                nextCheck = nextCheck is null || next < nextCheck ? next : nextCheck;
                continue;
            }

            due.Add(pod);
        }

        if (due.Count > 0)
        {
            await ScheduleAsync(due, epoch, now, ct);
        }

        foreach (var (podKey, waiting) in _unschedulable)
        {
            var next = waiting.NextCheck(Interlocked.Read(ref _epoch));
            nextCheck = nextCheck is null || next < nextCheck ? next : nextCheck;
            if (_pods.Get(podKey) is not { } p || !IsPending(p))
            {
                _unschedulable.TryRemove(podKey, out _);
            }
        }

        if (nextCheck is { } at)
        {
            Queue.AddAfter(BatchKey, at - Context.Time.GetUtcNow());
        }
    }

    private async Task ScheduleAsync(List<JsonObject> due, long epoch, DateTimeOffset now, CancellationToken ct)
    {
        var nodes = _nodes.List().Select(_typedNodes.Get).ToList();
        var placed = new List<V1Pod>();
        foreach (var node in _nodes.List())
        {
            foreach (var pod in _pods.ByIndex(Indexes.NodeName, Meta.Name(node)))
            {
                if (!PodState.IsTerminal(pod) && TryTyped(pod, out var typedPlaced, out _))
                {
                    placed.Add(typedPlaced);
                }
            }
        }

        var namespaces = _namespaces.List().Select(n => new V1Namespace
        {
            Metadata = new V1ObjectMeta { Name = Meta.Name(n), Labels = Meta.Labels(n).ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "") },
        }).ToList();
        var pending = new List<V1Pod>(due.Count);
        var rejected = new List<SchedulingDecision>();
        foreach (var pod in due)
        {
            if (!TryTyped(pod, out var typedPod, out var unreadable))
            {
                // One pod the typed model cannot read (the API stores what clients send) must not stall the whole batch.
                var stub = new V1Pod { Metadata = new V1ObjectMeta { Name = Meta.Name(pod), NamespaceProperty = Meta.Namespace(pod), Uid = Meta.Uid(pod) } };
                rejected.Add(new SchedulingDecision(-1, stub, null, new SchedulingFailure(Meta.Namespace(pod) ?? "", Meta.Name(pod), Meta.Uid(pod),
                    SchedulingFailure.Unschedulable, $"the pod's spec cannot be read: {unreadable}", new Dictionary<string, IReadOnlyList<string>>(), null)));
                continue;
            }

            var (typed, error) = VolumeBinding.Apply(pod, typedPod, (ns, name) => _claims.Get(ns, name), _volumes.Get);
            if (error is null)
            {
                pending.Add(typed);
                continue;
            }

            var message = VolumeBinding.FitError(nodes.Count, error);
            rejected.Add(new SchedulingDecision(-1, typed, null, new SchedulingFailure(Meta.Namespace(pod) ?? "", Meta.Name(pod), Meta.Uid(pod),
                SchedulingFailure.Unschedulable, message, new Dictionary<string, IReadOnlyList<string>>(), null)));
        }

        var result = PodScheduler.Schedule(new ClusterSnapshot(nodes, placed, namespaces), pending, _config);
        LogBatch(Logger, due.Count, result.Bindings.Count(), result.Failures.Count() + rejected.Count);

        using var gate = new SemaphoreSlim(Parallelism);
        var byKey = due.ToDictionary(Meta.Key, StringComparer.Ordinal);
        await Task.WhenAll(result.Decisions.Concat(rejected).Select(async decision =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var podKey = Informer<JsonObject>.KeyOf(decision.Pod.Metadata.NamespaceProperty, decision.Pod.Metadata.Name);
                var pod = byKey[podKey];
                if (decision.Binding is { } binding)
                {
                    await BindAsync(pod, binding, ct);
                }
                else if (decision.Failure is { } failure)
                {
                    var previous = _unschedulable.TryGetValue(podKey, out var w) ? w.Attempts : 0;
                    _unschedulable[podKey] = new UnschedulablePod(now, epoch, previous + 1);
                    await RecordFailureAsync(pod, failure, now, ct);
                }
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private bool TryTyped(JsonObject pod, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out V1Pod? typed, out string? error)
    {
        try
        {
            typed = _typedPods.Get(pod);
            error = null;
            return true;
        }
        catch (System.Text.Json.JsonException e)
        {
            typed = null;
            error = e.Message;
            return false;
        }
    }

    private async Task BindAsync(JsonObject pod, PodBinding binding, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Binding",
            ["metadata"] = new JsonObject { ["name"] = binding.Name, ["namespace"] = binding.Namespace, ["uid"] = binding.Uid },
            ["target"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = binding.NodeName },
        };
        try
        {
            await Api.CreateSubresourceAsync(_podType, binding.Namespace, binding.Name, "binding", body, ct);
            _unschedulable.TryRemove(Meta.Key(pod), out _);
            await _events.NormalAsync(pod, "Scheduled", $"Successfully assigned {binding.Namespace}/{binding.Name} to {binding.NodeName}", ct);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // Deleted, or bound meanwhile: nothing to do.
        }
        catch (ApiException e)
        {
            LogBindFailed(Logger, Meta.Key(pod), binding.NodeName, e.Message);
            Queue.AddAfter(BatchKey, UnschedulablePod.InitialBackoff);
        }
    }

    private async Task RecordFailureAsync(JsonObject pod, SchedulingFailure failure, DateTimeOffset now, CancellationToken ct)
    {
        await _events.WarningAsync(pod, "FailedScheduling", failure.Message, ct);
        if (failure.Preemption is { } preemption)
        {
            await PreemptAsync(pod, preemption, ct);
        }

        var copy = Meta.Copy(pod);
        var status = Json.EnsureObject(copy, "status");
        status["phase"] ??= "Pending";
        var condition = new JsonObject
        {
            ["type"] = "PodScheduled",
            ["status"] = "False",
            ["lastProbeTime"] = null,
            ["lastTransitionTime"] = Timestamps.Format(now),
            ["reason"] = failure.Reason,
            ["message"] = failure.Message,
        };
        var changed = Conditions.Set(status, condition);
        var current = Conditions.Get(status, "PodScheduled");
        if (Json.String(current, "message") != failure.Message)
        {
            current!["message"] = failure.Message;
            changed = true;
        }

        if (failure.Preemption is { } p && Json.String(status, "nominatedNodeName") != p.NominatedNodeName)
        {
            status["nominatedNodeName"] = p.NominatedNodeName;
            changed = true;
        }

        if (!changed)
        {
            return;
        }

        try
        {
            await Api.UpdateAsync(_podType, Meta.Namespace(copy), copy, "status", ct);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // Gone or changed: the next round writes the condition again.
        }
    }

    /// <summary>DefaultPreemption's side effects: victims get DisruptionTarget, a Preempted event, and are deleted.</summary>
    private async Task PreemptAsync(JsonObject preemptor, PreemptionDecision preemption, CancellationToken ct)
    {
        foreach (var victim in preemption.Victims)
        {
            if (_pods.Get(victim.Namespace, victim.Name) is not { } v || Meta.Uid(v) != victim.Uid || Meta.IsDeleting(v))
            {
                continue;
            }

            try
            {
                var copy = Meta.Copy(v);
                Conditions.Set(Json.EnsureObject(copy, "status"), Conditions.New("DisruptionTarget", "True", "PreemptionByScheduler",
                    $"{Component}: preempting to accommodate a higher priority pod", Context.Time.GetUtcNow()));
                await Api.UpdateAsync(_podType, victim.Namespace, copy, "status", ct);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
            }

            await _events.NormalAsync(v, "Preempted", $"Preempted by pod {Meta.Uid(preemptor)} on node {preemption.NominatedNodeName}", ct);
            try
            {
                await Api.DeleteAsync(_podType, victim.Namespace, victim.Name, new DeleteOptions { PreconditionUid = victim.Uid }, ct);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
            }
        }
    }

    [LoggerMessage(EventId = 2401, Level = LogLevel.Debug, Message = "scheduler: batch of {Pods} pods: {Bound} bound, {Failed} unschedulable")]
    private static partial void LogBatch(ILogger logger, int pods, int bound, int failed);

    [LoggerMessage(EventId = 2402, Level = LogLevel.Warning, Message = "scheduler: binding {Pod} to {Node} failed: {Reason}")]
    private static partial void LogBindFailed(ILogger logger, string pod, string node, string reason);
}
