using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Events;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.Deployments;

/// <summary>
/// Rolls Deployments out through ReplicaSets, as kube's deployment controller (pkg/controller/deployment):
/// <code>
///   Deployment / ReplicaSet event ─▶ key ─▶ claim ReplicaSets (adopt / release by selector)
///     ├─ being deleted ─▶ status only
///     ├─ paused ─▶ Progressing Unknown DeploymentPaused; scale only, clean up history
///     ├─ replicas changed (an active ReplicaSet's desired-replicas annotation differs) ─▶ scale, proportionally during a rollout
///     ├─ Recreate ─▶ old ReplicaSets to 0, wait until their pods are gone, new ReplicaSet to replicas
///     └─ RollingUpdate ─▶ new ReplicaSet up to replicas + maxSurge in total, old ones down while
///                         available ≥ replicas − maxUnavailable; history cleanup once complete
///   ─▶ status (observedGeneration, replicas, updated, ready, available, unavailable) and conditions
/// </code>
/// The new ReplicaSet is the oldest whose template equals the Deployment's (ignoring <c>pod-template-hash</c>);
/// it is named <c>NAME-HASH</c> with <see cref="TemplateHash"/> of the template and <c>status.collisionCount</c>.
/// </summary>
public sealed class DeploymentController(ControllerContext context) : Controller("deployment", context, workers: 2)
{
    public const string Component = "deployment-controller";

    private ResourceType _deploymentType = null!;
    private ResourceType _rsType = null!;
    private Informer<JsonObject> _deployments = null!;
    private Informer<JsonObject> _replicaSets = null!;
    private Informer<JsonObject> _pods = null!;
    private EventRecorder _events = null!;

    public override void Setup()
    {
        _deploymentType = Context.Type("apps", "deployments");
        _rsType = Context.Type("apps", "replicasets");
        _events = EventRecorder.For(Context, Component);
        _deployments = Context.Informers.For(_deploymentType);
        Indexes.AddNamespace(_deployments);
        _replicaSets = Context.Informers.For(_rsType);
        Indexes.AddNamespace(_replicaSets);
        Indexes.AddControllerUid(_replicaSets);
        _pods = Context.Informers.For(Context.Type("", "pods"));
        Indexes.AddPodIndexes(_pods);

        _deployments.OnAdd(d => Queue.Add(Meta.Key(d)));
        _deployments.OnUpdate((_, d) => Queue.Add(Meta.Key(d)));
        _deployments.OnDelete(d => Queue.Add(Meta.Key(d)));
        _replicaSets.OnAdd(ReplicaSetChanged);
        _replicaSets.OnUpdate((old, rs) =>
        {
            if (Meta.ControllerUid(old) != Meta.ControllerUid(rs) && Owner(old) is { } previous)
            {
                Queue.Add(Meta.Key(previous));
            }

            if (Meta.ControllerOf(rs) is null && !JsonNode.DeepEquals(Meta.Labels(old), Meta.Labels(rs)))
            {
                EnqueueMatching(rs);
            }

            ReplicaSetChanged(rs);
        });
        _replicaSets.OnDelete(rs =>
        {
            if (Owner(rs) is { } d)
            {
                Queue.Add(Meta.Key(d));
            }
        });
        _pods.OnDelete(pod =>
        {
            // Recreate waits for old pods to be gone.
            if (Meta.ControllerOf(pod) is { Kind: "ReplicaSet" } c && _replicaSets.Get(Meta.Namespace(pod), c.Name) is { } rs
                && Owner(rs) is { } d && Json.String(d, "spec", "strategy", "type") == "Recreate")
            {
                Queue.Add(Meta.Key(d));
            }
        });
    }

    private JsonObject? Owner(JsonObject rs)
    {
        var c = Meta.ControllerOf(rs);
        if (c is null || c.Kind != "Deployment")
        {
            return null;
        }

        var d = _deployments.Get(Meta.Namespace(rs), c.Name);
        return d is not null && Meta.Uid(d) == c.Uid ? d : null;
    }

    private void ReplicaSetChanged(JsonObject rs)
    {
        if (Meta.ControllerOf(rs) is not null)
        {
            if (Owner(rs) is { } d)
            {
                Queue.Add(Meta.Key(d));
            }

            return;
        }

        if (!Meta.IsDeleting(rs))
        {
            EnqueueMatching(rs);
        }
    }

    private void EnqueueMatching(JsonObject rs)
    {
        foreach (var d in _deployments.ByIndex(Indexes.Namespace, Meta.Namespace(rs) ?? ""))
        {
            if (LabelMatcher.From(Json.Walk(d, "spec", "selector")).MatchesObject(rs))
            {
                Queue.Add(Meta.Key(d));
            }
        }
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var cached = _deployments.Get(key);
        if (cached is null)
        {
            return;
        }

        var d = DeploymentInfo.From(Meta.Copy(cached));
        var selector = LabelMatcher.From(Json.Walk(cached, "spec", "selector"));
        if (selector.IsEmpty)
        {
            // An empty selector would take every ReplicaSet in the namespace; kube refuses to act on it too.
            return;
        }

        var claimer = new ControllerRefManager(Api, _deploymentType, _rsType);
        var claimed = await claimer.ClaimAsync(cached, selector, _replicaSets.ByIndex(Indexes.Namespace, Meta.Namespace(cached) ?? ""), ct);
        var rsList = claimed.Select(r => new ReplicaSetModel(r)).ToList();
        var sync = new DeploymentSync(Api, _deploymentType, _rsType, _events, Context.Time,
            uid => _pods.ByIndex(Indexes.ControllerUid, uid), after => Queue.AddAfter(key, after));

        if (d.Object["metadata"]?["deletionTimestamp"] is not null)
        {
            await sync.StatusOnlyAsync(d, rsList, ct);
            return;
        }

        d = await sync.CheckPausedConditionsAsync(d, ct);
        if (d.Paused)
        {
            await sync.ScaleOnlyAsync(d, rsList, ct);
            return;
        }

        (d, var scaling) = await sync.IsScalingEventAsync(d, rsList, ct);
        if (scaling)
        {
            await sync.ScaleOnlyAsync(d, rsList, ct);
            return;
        }

        if (d.Recreate)
        {
            await sync.RecreateAsync(d, rsList, ct);
        }
        else
        {
            await sync.RollingAsync(d, rsList, ct);
        }
    }
}
