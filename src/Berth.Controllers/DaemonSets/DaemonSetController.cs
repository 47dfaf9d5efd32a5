using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Events;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.DaemonSets;

/// <summary>
/// One pod per eligible node, as kube's daemon set controller (pkg/controller/daemon):
/// <code>
///   set / node / pod event ─▶ key ─▶ claim pods ─▶ revision of the current template (ControllerRevision)
///   ─▶ expectations satisfied? ─▶ manage: per node NodeShouldRunDaemonPod (nodeSelector, required node affinity,
///        NoSchedule/NoExecute taints against the tolerations plus the daemon defaults):
///        should run and has none ─▶ create (pinned by matchFields metadata.name); failed pods ─▶ delete;
///        more than one ─▶ keep the oldest; untolerated NoExecute or no longer eligible ─▶ delete;
///        pods on nodes that are gone ─▶ delete
///   ─▶ RollingUpdate: replace old pods while at most maxUnavailable nodes lack an available updated pod
///        (or, with maxSurge, start the new pod first and delete the old once the new one is available)
///   ─▶ status: desired, current, misscheduled, ready, updated, available, unavailable numbers
/// </code>
/// </summary>
public sealed class DaemonSetController(ControllerContext context) : Controller("daemonset", context, workers: 2)
{
    public const string Component = "daemonset-controller";

    private readonly Expectations _expectations = new(context.Time);
    private ResourceType _dsType = null!;
    private ResourceType _podType = null!;
    private Informer<JsonObject> _sets = null!;
    private Informer<JsonObject> _pods = null!;
    private Informer<JsonObject> _nodes = null!;
    private Informer<JsonObject> _revisions = null!;
    private ControllerHistory _history = null!;
    private EventRecorder _events = null!;

    public override void Setup()
    {
        _dsType = Context.Type("apps", "daemonsets");
        _podType = Context.Type("", "pods");
        var revisionType = Context.Type("apps", "controllerrevisions");
        _history = new ControllerHistory(Api, revisionType, _dsType);
        _events = EventRecorder.For(Context, Component);
        _sets = Context.Informers.For(_dsType);
        Indexes.AddNamespace(_sets);
        _pods = Context.Informers.For(_podType);
        Indexes.AddPodIndexes(_pods);
        _nodes = Context.Informers.For(Context.Type("", "nodes"));
        _revisions = Context.Informers.For(revisionType);
        Indexes.AddControllerUid(_revisions);

        _sets.OnAdd(s => Queue.Add(Meta.Key(s)));
        _sets.OnUpdate((_, s) => Queue.Add(Meta.Key(s)));
        _sets.OnDelete(s => Queue.Add(Meta.Key(s)));
        _nodes.OnAdd(_ => EnqueueAll());
        _nodes.OnUpdate((old, node) =>
        {
            if (!JsonNode.DeepEquals(Meta.Labels(old), Meta.Labels(node)) || !JsonNode.DeepEquals(Json.Walk(old, "spec", "taints"), Json.Walk(node, "spec", "taints")))
            {
                EnqueueAll();
            }
        });
        _nodes.OnDelete(_ => EnqueueAll());
        _pods.OnAdd(pod =>
        {
            if (Owner(pod) is { } ds)
            {
                _expectations.CreationObserved(Meta.Key(ds));
                Queue.Add(Meta.Key(ds));
            }
        });
        _pods.OnUpdate((old, pod) =>
        {
            if (Owner(pod) is { } ds)
            {
                if (Meta.IsDeleting(pod) && !Meta.IsDeleting(old))
                {
                    _expectations.DeletionObserved(Meta.Key(ds), Meta.Key(pod));
                }

                Queue.Add(Meta.Key(ds));
                var minReady = Json.Long(ds, "spec", "minReadySeconds") ?? 0;
                if (minReady > 0 && !PodState.IsReady(old) && PodState.IsReady(pod))
                {
                    Queue.AddAfter(Meta.Key(ds), TimeSpan.FromSeconds(minReady + 1));
                }
            }
        });
        _pods.OnDelete(pod =>
        {
            if (Owner(pod) is { } ds)
            {
                _expectations.DeletionObserved(Meta.Key(ds), Meta.Key(pod));
                Queue.Add(Meta.Key(ds));
            }
        });
    }

    private void EnqueueAll()
    {
        foreach (var ds in _sets.List())
        {
            Queue.Add(Meta.Key(ds));
        }
    }

    private JsonObject? Owner(JsonObject pod)
    {
        if (Meta.ControllerOf(pod) is not { Kind: "DaemonSet" } c)
        {
            return null;
        }

        var ds = _sets.Get(Meta.Namespace(pod), c.Name);
        return ds is not null && Meta.Uid(ds) == c.Uid ? ds : null;
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var ds = _sets.Get(key);
        if (ds is null)
        {
            _expectations.Forget(key);
            return;
        }

        var selector = LabelMatcher.From(Json.Walk(ds, "spec", "selector"));
        if (selector.IsEmpty)
        {
            return;
        }

        // Expectations are read before the pods, so a pod observed after the list cannot make this sync act on a list without it.
        var satisfied = _expectations.Satisfied(key);
        var claimer = new ControllerRefManager(Api, _dsType, _podType);
        var pods = await claimer.ClaimAsync(ds, selector, _pods.ByIndex(Indexes.Namespace, Meta.Namespace(ds) ?? ""), ct);
        var (current, old) = await HistoryAsync(ds, ct);
        var hash = ControllerHistory.Hash(current);
        var template = ControllerHistory.Template(current) ?? Json.Object(ds, "spec", "template");
        var nodes = _nodes.List().OrderBy(Meta.Name, StringComparer.Ordinal).ToList();

        if (satisfied && !Meta.IsDeleting(ds))
        {
            var (create, delete) = Manage(ds, template, nodes, pods, hash);
            await SyncNodesAsync(key, ds, template, create, delete, hash, ct);
            if (create.Count == 0 && delete.Count == 0 && Json.String(ds, "spec", "updateStrategy", "type") != "OnDelete")
            {
                var (updateCreate, updateDelete) = RollingUpdate(ds, template, nodes, pods, hash);
                await SyncNodesAsync(key, ds, template, updateCreate, updateDelete, hash, ct);
            }
        }

        await CleanupHistoryAsync(ds, old, pods, ct);
        await WriteStatusAsync(ds, template, nodes, pods, hash, ct);
    }

    /// <summary>Non-terminating claimed pods by the node they run on or are pinned to.</summary>
    private static Dictionary<string, List<JsonObject>> ByNode(IEnumerable<JsonObject> pods)
    {
        var map = new Dictionary<string, List<JsonObject>>(StringComparer.Ordinal);
        foreach (var pod in pods.Where(p => !Meta.IsDeleting(p)))
        {
            if (DaemonSetPods.TargetNode(pod) is { } node)
            {
                if (!map.TryGetValue(node, out var list))
                {
                    list = [];
                    map[node] = list;
                }

                list.Add(pod);
            }
        }

        foreach (var list in map.Values)
        {
            list.Sort((a, b) => Meta.Created(a) != Meta.Created(b) ? Meta.Created(a).CompareTo(Meta.Created(b)) : string.CompareOrdinal(Meta.Name(a), Meta.Name(b)));
        }

        return map;
    }

    private static bool IsUpdated(JsonObject ds, JsonObject pod, string hash) =>
        Meta.Label(pod, ControllerHistory.HashLabel) == hash;

    private static (int Surge, int Unavailable) Budget(JsonObject ds, int desired)
    {
        var rolling = Json.Object(ds, "spec", "updateStrategy", "rollingUpdate");
        var surge = IntOrPercent.Scaled(rolling?["maxSurge"], desired, roundUp: true);
        var unavailable = IntOrPercent.Scaled(rolling?["maxUnavailable"] ?? JsonValue.Create(1), desired, roundUp: true);
        if (desired > 0 && surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }

        return (surge, unavailable);
    }

    /// <summary><c>manage</c> / <c>podsShouldBeOnNode</c>: nodes needing a pod and pods to delete.</summary>
    private (List<string> Create, List<JsonObject> Delete) Manage(JsonObject ds, JsonObject? template, List<JsonObject> nodes, List<JsonObject> pods,
        string hash)
    {
        var byNode = ByNode(pods);
        var create = new List<string>();
        var delete = new List<JsonObject>();
        var surge = Budget(ds, nodes.Count).Surge > 0;
        var now = Context.Time.GetUtcNow();
        foreach (var node in nodes)
        {
            var (shouldRun, keepRunning) = DaemonSetPods.ShouldRun(template, node);
            var onNode = byNode.GetValueOrDefault(Meta.Name(node)) ?? [];
            if (shouldRun && onNode.Count == 0)
            {
                create.Add(Meta.Name(node));
                continue;
            }

            if (!keepRunning)
            {
                delete.AddRange(onNode);
                continue;
            }

            var running = new List<JsonObject>();
            foreach (var pod in onNode)
            {
                if (PodState.Phase(pod) == "Failed")
                {
                    delete.Add(pod);
                }
                else
                {
                    running.Add(pod);
                }
            }

            if (running.Count <= 1)
            {
                continue;
            }

            if (!surge)
            {
                delete.AddRange(running.Skip(1));
                continue;
            }

            // With surge, an old and a new pod may share a node while the new one is not available yet.
            JsonObject? oldestNew = null, oldestOld = null;
            foreach (var pod in running)
            {
                if (IsUpdated(ds, pod, hash) ? oldestNew is null : oldestOld is null)
                {
                    if (IsUpdated(ds, pod, hash))
                    {
                        oldestNew = pod;
                    }
                    else
                    {
                        oldestOld = pod;
                    }

                    continue;
                }

                delete.Add(pod);
            }

            if (oldestNew is not null && oldestOld is not null
                && (!PodState.IsReady(oldestOld) || PodState.IsAvailable(oldestNew, Json.Long(ds, "spec", "minReadySeconds") ?? 0, now)))
            {
                delete.Add(oldestOld);
            }
        }

        var known = nodes.Select(Meta.Name).ToHashSet(StringComparer.Ordinal);
        delete.AddRange(byNode.Where(p => !known.Contains(p.Key)).SelectMany(p => p.Value));
        return (create, delete);
    }

    /// <summary><c>rollingUpdate</c>: which old pods to delete (and, with surge, which nodes get a new pod first).</summary>
    private (List<string> Create, List<JsonObject> Delete) RollingUpdate(JsonObject ds, JsonObject? template, List<JsonObject> nodes,
        List<JsonObject> pods, string hash)
    {
        var byNode = ByNode(pods);
        var eligible = nodes.Where(n => DaemonSetPods.ShouldRun(template, n).ShouldRun).ToList();
        foreach (var node in eligible)
        {
            byNode.TryAdd(Meta.Name(node), []);
        }

        var (maxSurge, maxUnavailable) = Budget(ds, eligible.Count);
        var minReady = Json.Long(ds, "spec", "minReadySeconds") ?? 0;
        var now = Context.Time.GetUtcNow();
        bool Available(JsonObject p) => PodState.IsAvailable(p, minReady, now);
        var create = new List<string>();
        var delete = new List<JsonObject>();
        if (maxSurge == 0)
        {
            var unavailable = 0;
            var replace = new List<JsonObject>();
            var candidates = new List<JsonObject>();
            foreach (var (_, onNode) in byNode.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var (fresh, old, ok) = Split(ds, onNode, hash);
                if (!ok || (fresh is null && old is null))
                {
                    unavailable++;
                }
                else if (fresh is not null)
                {
                    unavailable += Available(fresh) ? 0 : 1;
                }
                else if (!Available(old!))
                {
                    replace.Add(old!);
                }
                else if (unavailable < maxUnavailable)
                {
                    candidates.Add(old!);
                }
            }

            var remaining = Math.Clamp(maxUnavailable - unavailable, 0, candidates.Count);
            delete.AddRange(replace);
            delete.AddRange(candidates.Take(remaining));
            return (create, delete);
        }

        var surged = 0;
        var allowed = new List<string>();
        var candidateNodes = new List<string>();
        foreach (var (nodeName, onNode) in byNode.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var (fresh, old, ok) = Split(ds, onNode, hash);
            if (!ok)
            {
                surged++;
                continue;
            }

            if (old is null)
            {
                continue;
            }

            if (fresh is null)
            {
                if (!Available(old))
                {
                    if (!eligible.Any(n => Meta.Name(n) == nodeName))
                    {
                        delete.Add(old);
                        continue;
                    }

                    allowed.Add(nodeName);
                }
                else
                {
                    candidateNodes.Add(nodeName);
                }

                continue;
            }

            if (!Available(fresh))
            {
                surged++;
                continue;
            }

            delete.Add(old);
        }

        var remainingSurge = Math.Clamp(maxSurge - surged, 0, candidateNodes.Count);
        create.AddRange(allowed);
        create.AddRange(candidateNodes.Take(remainingSurge));
        return (create, delete);
    }

    /// <summary><c>findUpdatedPodsOnNode</c>: the node's updated and old pod; not ok when there are two of either.</summary>
    private static (JsonObject? New, JsonObject? Old, bool Ok) Split(JsonObject ds, List<JsonObject> onNode, string hash)
    {
        JsonObject? fresh = null, old = null;
        foreach (var pod in onNode.Where(p => !Meta.IsDeleting(p)))
        {
            if (IsUpdated(ds, pod, hash))
            {
                if (fresh is not null)
                {
                    return (null, null, false);
                }

                fresh = pod;
            }
            else
            {
                if (old is not null)
                {
                    return (null, null, false);
                }

                old = pod;
            }
        }

        return (fresh, old, true);
    }

    private async Task SyncNodesAsync(string key, JsonObject ds, JsonObject? template, List<string> create, List<JsonObject> delete, string hash,
        CancellationToken ct)
    {
        if (create.Count == 0 && delete.Count == 0)
        {
            return;
        }

        var victims = delete.DistinctBy(Meta.Uid).ToList();
        _expectations.ExpectCreations(key, create.Count);
        _expectations.ExpectDeletions(key, victims.Select(Meta.Key));
        var queue = new Queue<string>(create);
        var (_, attempted, error) = await SlowStart.RunAsync(create.Count, async () =>
        {
            string node;
            lock (queue)
            {
                node = queue.Dequeue();
            }

            var pod = DaemonSetPods.NewPod(ds, _dsType, template, node, hash);
            try
            {
                var made = await Api.CreateAsync(_podType, Meta.Namespace(ds), pod, ct);
                await _events.NormalAsync(ds, "SuccessfulCreate", $"Created pod: {Meta.Name(made)}", ct);
            }
            catch (ApiException e)
            {
                _expectations.CreationFailed(key);
                await _events.WarningAsync(ds, "FailedCreate", $"Error creating: {e.Message}", ct);
                throw;
            }
        }, ct);
        for (var i = attempted; i < create.Count; i++)
        {
            _expectations.CreationFailed(key);
        }

        foreach (var pod in victims)
        {
            if (PodState.Phase(pod) == "Failed")
            {
                await _events.WarningAsync(ds, "FailedDaemonPod",
                    $"Found failed daemon pod {Meta.Namespace(pod)}/{Meta.Name(pod)} on node {PodState.NodeName(pod)}, will try to kill it", ct);
            }

            try
            {
                await Api.DeleteAsync(_podType, Meta.Namespace(pod), Meta.Name(pod), new DeleteOptions { PreconditionUid = Meta.Uid(pod) }, ct);
                await _events.NormalAsync(ds, "SuccessfulDelete", $"Deleted pod: {Meta.Name(pod)}", ct);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
                _expectations.DeletionObserved(key, Meta.Key(pod));
            }
        }

        if (error is not null)
        {
            throw error;
        }
    }

    /// <summary><c>constructHistory</c>: the revision of the current template (created or renumbered to be the newest) and the others.</summary>
    private async Task<(JsonObject Current, List<JsonObject> Old)> HistoryAsync(JsonObject ds, CancellationToken ct)
    {
        var revisions = _revisions.ByIndex(Indexes.ControllerUid, Meta.Uid(ds)).ToList();
        var template = Json.Object(ds, "spec", "template");
        var max = revisions.Select(ControllerHistory.Number).DefaultIfEmpty(0).Max();
        long? collisions = Json.Long(ds, "status", "collisionCount") ?? 0;
        var probe = _history.New(ds, template, max + 1, collisions);
        var current = revisions.Where(r => ControllerHistory.SameData(r, probe)).MaxBy(ControllerHistory.Number);
        if (current is null)
        {
            (current, _) = await _history.CreateAsync(ds, template, max + 1, collisions, ct);
        }
        else if (ControllerHistory.Number(current) < max)
        {
            current = await _history.RenumberAsync(current, max + 1, ct);
        }

        return (current, [.. revisions.Where(r => Meta.Uid(r) != Meta.Uid(current))]);
    }

    private async Task CleanupHistoryAsync(JsonObject ds, List<JsonObject> old, List<JsonObject> pods, CancellationToken ct)
    {
        var limit = (int)(Json.Long(ds, "spec", "revisionHistoryLimit") ?? 10);
        var live = pods.Select(p => Meta.Label(p, ControllerHistory.HashLabel)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var unused = old.Where(r => !live.Contains(ControllerHistory.Hash(r))).OrderBy(ControllerHistory.Number).ToList();
        foreach (var r in unused.Take(Math.Max(0, unused.Count - limit)))
        {
            await _history.DeleteAsync(r, ct);
        }
    }

    /// <summary><c>updateDaemonSetStatus</c>.</summary>
    private async Task WriteStatusAsync(JsonObject ds, JsonObject? template, List<JsonObject> nodes, List<JsonObject> pods, string hash,
        CancellationToken ct)
    {
        var byNode = ByNode(pods);
        var minReady = Json.Long(ds, "spec", "minReadySeconds") ?? 0;
        var now = Context.Time.GetUtcNow();
        long desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
        TimeSpan? wait = null;
        foreach (var node in nodes)
        {
            var (shouldRun, _) = DaemonSetPods.ShouldRun(template, node);
            var onNode = byNode.GetValueOrDefault(Meta.Name(node)) ?? [];
            if (!shouldRun)
            {
                misscheduled += onNode.Count > 0 ? 1 : 0;
                continue;
            }

            desired++;
            if (onNode.Count == 0)
            {
                continue;
            }

            current++;
            var pod = onNode[0];
            if (PodState.IsReady(pod))
            {
                ready++;
                if (PodState.IsAvailable(pod, minReady, now))
                {
                    available++;
                }
                else if (PodState.TimeUntilAvailable(pod, minReady, now) is { } t && (wait is null || t < wait))
                {
                    wait = t;
                }
            }

            updated += IsUpdated(ds, pod, hash) ? 1 : 0;
        }

        var status = new JsonObject
        {
            ["currentNumberScheduled"] = current,
            ["numberMisscheduled"] = misscheduled,
            ["desiredNumberScheduled"] = desired,
            ["numberReady"] = ready,
            ["observedGeneration"] = Meta.Generation(ds),
            ["updatedNumberScheduled"] = updated,
            ["numberAvailable"] = available,
            ["numberUnavailable"] = desired - available,
        };
        if (Json.Long(ds, "status", "collisionCount") is { } collisions)
        {
            status["collisionCount"] = collisions;
        }

        if (wait is { } w)
        {
            Queue.AddAfter(Meta.Key(ds), w);
        }

        if (Json.Object(ds, "status") is { } old && JsonNode.DeepEquals(old, status))
        {
            return;
        }

        var copy = Meta.Copy(ds);
        copy["status"] = status;
        try
        {
            await Api.UpdateAsync(_dsType, Meta.Namespace(ds), copy, "status", ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }
}
