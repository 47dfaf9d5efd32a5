using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.KubeVirt;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.KubeVirt;

/// <summary>
/// Keeps <c>spec.replicas</c> VMIs of each VirtualMachineInstanceReplicaSet, as KubeVirt's replica set controller
/// (<c>pkg/virt-controller/watch/replicaset.go</c>): VMIs are made from the template with
/// <c>generateName: NAME</c> and the set as controller; final VMIs (Succeeded, Failed) are deleted and replaced;
/// surplus VMIs go, those not ready first, then the newest. The VMIs are counted from a live list by the set's
/// selector, not the informer cache, so a lagging cache cannot cause a second round of creations. Status:
/// <c>replicas</c> (live, non-final VMIs), <c>readyReplicas</c>, <c>labelSelector</c>.
/// </summary>
public sealed class VmiReplicaSetController : Controller
{
    private readonly ResourceType _setType;
    private readonly ResourceType _vmiType;
    private Informer<JsonObject> _sets = null!;
    private Informer<JsonObject> _vmis = null!;

    public VmiReplicaSetController(ControllerContext context)
        : base("virtualmachineinstancereplicaset", context)
    {
        _setType = context.Type(KubeVirtNames.Group, "virtualmachineinstancereplicasets");
        _vmiType = context.Type(KubeVirtNames.Group, "virtualmachineinstances");
    }

    public override void Setup()
    {
        _sets = Context.Informers.For(_setType);
        _vmis = Context.Informers.For(_vmiType);
        _sets.OnAdd(s => Queue.Add(Informer<JsonObject>.KeyOf(s)));
        _sets.OnUpdate((_, s) => Queue.Add(Informer<JsonObject>.KeyOf(s)));
        _vmis.OnAdd(EnqueueOwner);
        _vmis.OnUpdate((_, v) => EnqueueOwner(v));
        _vmis.OnDelete(EnqueueOwner);
    }

    private void EnqueueOwner(JsonObject vmi)
    {
        if (OwnerRefs.Controller(vmi) is { } owner && Json.String(owner, "kind") == "VirtualMachineInstanceReplicaSet")
        {
            Queue.Add(Informer<JsonObject>.KeyOf(Json.String(vmi, "metadata", "namespace"), Json.String(owner, "name") ?? ""));
        }
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var set = _sets.Get(key);
        if (set is null || Json.String(set, "metadata", "deletionTimestamp") is not null)
        {
            return;
        }

        var ns = Json.String(set, "metadata", "namespace");
        var uid = Json.String(set, "metadata", "uid");
        var selector = LabelSelectors.Format(Json.Walk(set, "spec", "selector"));
        var owned = (await Api.ListAsync(_vmiType, ns, new ListOptions { LabelSelector = selector }, ct)).Items
            .Where(v => OwnerRefs.ControllerUid(v, "VirtualMachineInstanceReplicaSet") == uid && Json.String(v, "metadata", "deletionTimestamp") is null)
            .ToList();

        foreach (var done in owned.Where(v => VmiPhase.IsFinal(Json.String(v, "status", "phase"))).ToList())
        {
            await DeleteAsync(done, ct);
            owned.Remove(done);
        }

        var want = (int)(Json.Long(set, "spec", "replicas") ?? 1);
        for (var i = owned.Count; i < want; i++)
        {
            owned.Add(await Api.CreateAsync(_vmiType, ns, NewVmi(set), ct));
        }

        var surplus = owned
            .OrderBy(v => KubeVirtConditions.IsTrue(Json.Array(v, "status", "conditions"), "Ready") ? 1 : 0)
            .ThenByDescending(v => Json.String(v, "metadata", "creationTimestamp"), StringComparer.Ordinal)
            .Take(Math.Max(0, owned.Count - want))
            .ToList();
        foreach (var extra in surplus)
        {
            await DeleteAsync(extra, ct);
            owned.Remove(extra);
        }

        var status = Json.Object(set, "status")?.DeepClone() as JsonObject ?? [];
        status["replicas"] = owned.Count;
        status["readyReplicas"] = owned.Count(v => KubeVirtConditions.IsTrue(Json.Array(v, "status", "conditions"), "Ready"));
        status["labelSelector"] = selector;
        if (!JsonNode.DeepEquals(status, set["status"]))
        {
            var updated = (JsonObject)set.DeepClone();
            updated["status"] = status;
            await Api.UpdateAsync(_setType, ns, updated, "status", ct);
        }
    }

    private static JsonObject NewVmi(JsonObject set)
    {
        var template = Json.Object(set, "spec", "template");
        var meta = new JsonObject
        {
            ["generateName"] = Json.String(set, "metadata", "name"),
            ["ownerReferences"] = new JsonArray(OwnerRefs.For(set, "kubevirt.io/v1", "VirtualMachineInstanceReplicaSet")),
        };
        foreach (var field in new[] { "labels", "annotations" })
        {
            if (Json.Object(template, "metadata", field) is { } map)
            {
                meta[field] = map.DeepClone();
            }
        }

        return new JsonObject
        {
            ["apiVersion"] = "kubevirt.io/v1",
            ["kind"] = "VirtualMachineInstance",
            ["metadata"] = meta,
            ["spec"] = Json.Object(template, "spec")?.DeepClone() ?? new JsonObject(),
        };
    }

    private async Task DeleteAsync(JsonObject vmi, CancellationToken ct)
    {
        try
        {
            await Api.DeleteAsync(_vmiType, Json.String(vmi, "metadata", "namespace"), Json.String(vmi, "metadata", "name")!,
                new DeleteOptions { PreconditionUid = Json.String(vmi, "metadata", "uid") }, ct);
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
        }
    }
}
