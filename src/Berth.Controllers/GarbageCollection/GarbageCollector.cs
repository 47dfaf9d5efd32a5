using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.GarbageCollection;

/// <summary>
/// Follows <c>ownerReferences</c> as kube-controller-manager's garbage collector does
/// (https://kubernetes.io/docs/concepts/architecture/garbage-collection/):
/// <list type="bullet">
/// <item>background: a dependent whose owners are all gone is deleted; one with some owners gone loses
///   the dangling references;</item>
/// <item>foreground: an owner being deleted with the <c>foregroundDeletion</c> finalizer has its
///   dependents deleted (in foreground too), and loses the finalizer once none is left;</item>
/// <item>orphan: an owner being deleted with the <c>orphan</c> finalizer has its reference removed from
///   every dependent, then loses the finalizer.</item>
/// </list>
/// It keeps only metadata (<see cref="ObjectMeta"/>) of every stored kind but events. An owner missing
/// from the caches is confirmed absent by a live GET before anything is deleted, so informers that
/// lag each other cannot cause a wrong deletion.
/// </summary>
public sealed class GarbageCollector(ControllerContext context) : Controller("garbage-collector", context, workers: 2)
{
    private const string OwnerIndex = "owner";
    private const string DependentPrefix = "dep|";
    private const string OwnerPrefix = "own|";
    private readonly Dictionary<ResourceType, Informer<ObjectMeta>> _informers = [];
    private readonly Dictionary<string, ResourceType> _byName = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ObjectMeta> _byUid = new(StringComparer.Ordinal);

    public override void Setup()
    {
        foreach (var type in Context.Registry.Types.Where(t => !t.Virtual && t.Plural != "events" && t.Verbs.Contains("watch")))
        {
            var informer = Context.Informers.For(type, "meta", o => ObjectMeta.From(type, o));
            informer.AddIndex(OwnerIndex, m => m.Owners.Select(o => o.Uid));
            informer.OnAdd(Observe);
            informer.OnUpdate((_, m) => Observe(m));
            informer.OnDelete(Gone);
            _informers[type] = informer;
            _byName[type.ToString()] = type;
        }
    }

    private void Observe(ObjectMeta m)
    {
        _byUid[m.Uid] = m;
        if (m.Owners.Count > 0)
        {
            Queue.Add(DependentPrefix + m.Ref);
        }

        if (m.Deleting && (m.Finalizers.Contains(Finalizers.Orphan) || m.Finalizers.Contains(Finalizers.Foreground)))
        {
            Queue.Add(OwnerPrefix + m.Ref);
        }

        // A dependent changing may let its deleting owners finish.
        foreach (var owner in m.Owners)
        {
            EnqueueOwnerByUid(owner.Uid);
        }
    }

    private void Gone(ObjectMeta m)
    {
        _byUid.TryRemove(new KeyValuePair<string, ObjectMeta>(m.Uid, m));
        foreach (var dependent in DependentsOf(m.Uid))
        {
            Queue.Add(DependentPrefix + dependent.Ref);
        }

        foreach (var owner in m.Owners)
        {
            EnqueueOwnerByUid(owner.Uid);
        }
    }

    private void EnqueueOwnerByUid(string uid)
    {
        var owner = FindByUid(uid);
        if (owner is { Deleting: true })
        {
            Queue.Add(OwnerPrefix + owner.Ref);
        }
    }

    private ObjectMeta? FindByUid(string uid) => _byUid.GetValueOrDefault(uid);

    private List<ObjectMeta> DependentsOf(string uid) => [.. _informers.Values.SelectMany(i => i.ByIndex(OwnerIndex, uid))];

    protected override Task ReconcileAsync(string key, CancellationToken ct)
    {
        var isOwner = key.StartsWith(OwnerPrefix, StringComparison.Ordinal);
        var rest = key[(isOwner ? OwnerPrefix.Length : DependentPrefix.Length)..];
        var bar = rest.IndexOf('|', StringComparison.Ordinal);
        var type = _byName[rest[..bar]];
        var meta = _informers[type].Get(rest[(bar + 1)..]);
        if (meta is null)
        {
            return Task.CompletedTask;
        }

        return isOwner ? ProcessOwnerAsync(meta, ct) : ProcessDependentAsync(meta, ct);
    }

    private async Task ProcessDependentAsync(ObjectMeta dependent, CancellationToken ct)
    {
        var alive = new List<OwnerRef>();
        var gone = new List<OwnerRef>();
        var foregroundOwner = false;
        foreach (var owner in dependent.Owners)
        {
            var state = await OwnerStateAsync(dependent, owner, ct);
            if (state is null)
            {
                gone.Add(owner);
                continue;
            }

            alive.Add(owner);
            foregroundOwner |= state.Deleting && state.Finalizers.Contains(Finalizers.Foreground) && owner.BlockOwnerDeletion;
        }

        if (dependent.Deleting)
        {
            return;
        }

        if (alive.Count == 0 || foregroundOwner)
        {
            try
            {
                await Api.DeleteAsync(dependent.Type, dependent.Namespace, dependent.Name, new DeleteOptions
                {
                    PropagationPolicy = foregroundOwner ? "Foreground" : "Background",
                    PreconditionUid = dependent.Uid,
                }, ct);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
            }

            return;
        }

        if (gone.Count > 0)
        {
            await RemoveOwnerRefsAsync(dependent, gone.Select(g => g.Uid).ToHashSet(StringComparer.Ordinal), ct);
        }
    }

    private async Task ProcessOwnerAsync(ObjectMeta owner, CancellationToken ct)
    {
        if (!owner.Deleting)
        {
            return;
        }

        var dependents = DependentsOf(owner.Uid);
        if (owner.Finalizers.Contains(Finalizers.Orphan))
        {
            foreach (var d in dependents)
            {
                await RemoveOwnerRefsAsync(d, [owner.Uid], ct);
            }

            await RemoveFinalizerAsync(owner, Finalizers.Orphan, ct);
            return;
        }

        if (owner.Finalizers.Contains(Finalizers.Foreground))
        {
            foreach (var d in dependents.Where(d => !d.Deleting))
            {
                try
                {
                    await Api.DeleteAsync(d.Type, d.Namespace, d.Name, new DeleteOptions { PropagationPolicy = "Foreground", PreconditionUid = d.Uid }, ct);
                }
                catch (ApiException e) when (e.Code is 404 or 409)
                {
                }
            }

            if (DependentsOf(owner.Uid).Count == 0)
            {
                await RemoveFinalizerAsync(owner, Finalizers.Foreground, ct);
            }
        }
    }

    /// <summary>The owner's metadata if it exists with the referenced uid, else null (confirmed by a live read).</summary>
    private async Task<ObjectMeta?> OwnerStateAsync(ObjectMeta dependent, OwnerRef owner, CancellationToken ct)
    {
        var cached = FindByUid(owner.Uid);
        if (cached is not null)
        {
            return cached;
        }

        var type = Context.Registry.FindByApiVersion(owner.ApiVersion, owner.Kind);
        if (type is null)
        {
            // An owner of a kind this server does not serve cannot be checked; leave the dependent alone.
            return new ObjectMeta(dependent.Type, owner.Uid, owner.Name, null, [], [], false);
        }

        try
        {
            var live = await Api.GetAsync(type, type.Namespaced ? dependent.Namespace : null, owner.Name, ct);
            var meta = ObjectMeta.From(type, live);
            return meta.Uid == owner.Uid ? meta : null;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    private async Task RemoveOwnerRefsAsync(ObjectMeta dependent, HashSet<string> uids, CancellationToken ct)
    {
        try
        {
            var live = await Api.GetAsync(dependent.Type, dependent.Namespace, dependent.Name, ct);
            if (Json.Array(live, "metadata", "ownerReferences") is not { } refs)
            {
                return;
            }

            var kept = refs.Where(r => !uids.Contains(Json.String(r, "uid") ?? "")).Select(r => r!.DeepClone()).ToArray();
            if (kept.Length == refs.Count)
            {
                return;
            }

            var meta = Json.EnsureObject(live, "metadata");
            if (kept.Length == 0)
            {
                meta.Remove("ownerReferences");
            }
            else
            {
                meta["ownerReferences"] = new JsonArray(kept);
            }

            await Api.UpdateAsync(dependent.Type, dependent.Namespace, live, null, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private async Task RemoveFinalizerAsync(ObjectMeta owner, string finalizer, CancellationToken ct)
    {
        try
        {
            var live = await Api.GetAsync(owner.Type, owner.Namespace, owner.Name, ct);
            if (Json.Array(live, "metadata", "finalizers") is not { } list)
            {
                return;
            }

            var kept = list.Where(f => f?.GetValue<string>() != finalizer).Select(f => f!.DeepClone()).ToArray();
            Json.EnsureObject(live, "metadata")["finalizers"] = new JsonArray(kept);
            await Api.UpdateAsync(owner.Type, owner.Namespace, live, null, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }
}
