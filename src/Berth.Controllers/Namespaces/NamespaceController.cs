using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.Namespaces;

/// <summary>
/// Empties a namespace that is being deleted, then lets it go (kube-controller-manager's namespace
/// controller): every namespaced object in it is deleted (pods get their graceful termination);
/// once nothing is left, the <c>kubernetes</c> entry is removed from <c>spec.finalizers</c> through
/// <c>/finalize</c>, and the API server removes the namespace.
/// </summary>
public sealed class NamespaceController(ControllerContext context) : Controller("namespace", context)
{
    public const string Finalizer = "kubernetes";
    private static readonly TimeSpan RecheckInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long after a namespace starts terminating the controller begins deleting its content.
    /// Clients that delete a namespace together with what is in it (<c>kubectl delete -f</c> of a
    /// manifest that holds both) finish their own deletes first, as they do against Kubernetes,
    /// whose namespace controller takes about as long to discover and start.
    /// </summary>
    public static readonly TimeSpan StartDelay = TimeSpan.FromSeconds(2);
    private Informer<JsonObject> _namespaces = null!;

    public override void Setup()
    {
        _namespaces = Context.Informers.For(Context.Type("", "namespaces"));
        _namespaces.OnAdd(ns => Enqueue(ns));
        _namespaces.OnUpdate((_, ns) => Enqueue(ns));
    }

    private void Enqueue(JsonObject ns)
    {
        if (Json.String(ns, "metadata", "deletionTimestamp") is not null)
        {
            Queue.AddAfter(Json.String(ns, "metadata", "name")!, StartDelay);
        }
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var ns = _namespaces.Get(key);
        if (ns is null || Json.String(ns, "metadata", "deletionTimestamp") is null)
        {
            return;
        }

        var remaining = 0;
        foreach (var type in Context.Registry.Types.Where(t => t.Namespaced && !t.Virtual && t.Verbs.Contains("delete")))
        {
            var list = await Api.ListAsync(type, key, ListOptions.None, ct);
            foreach (var item in list.Items)
            {
                remaining++;
                if (Json.String(item, "metadata", "deletionTimestamp") is not null)
                {
                    continue;
                }

                try
                {
                    await Api.DeleteAsync(type, key, Json.String(item, "metadata", "name")!,
                        new DeleteOptions { PreconditionUid = Json.String(item, "metadata", "uid") }, ct);
                }
                catch (ApiException e) when (e.Code is 404 or 409)
                {
                }
            }
        }

        if (remaining > 0)
        {
            Queue.AddAfter(key, RecheckInterval);
            return;
        }

        var current = await Api.GetAsync(Context.Type("", "namespaces"), null, key, ct);
        if (Json.Array(current, "spec", "finalizers") is { } finalizers)
        {
            var kept = finalizers.Where(f => f?.GetValue<string>() != Finalizer).Select(f => f!.DeepClone()).ToArray();
            Json.EnsureObject(current, "spec")["finalizers"] = new JsonArray(kept);
            try
            {
                await Api.UpdateAsync(Context.Type("", "namespaces"), null, current, "finalize", ct);
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }
    }
}
