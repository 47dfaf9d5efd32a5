using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.KubeVirt;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.KubeVirt;

/// <summary>
/// Turns each VirtualMachineInstance into one VM pod and reports the pod back as the VMI's status (KubeVirt's
/// virt-controller VMI loop, with Berth's agent in the place of virt-handler: the pod's compute container is the VM).
/// <code>
///   VMI seen ─▶ deleting? ─yes─▶ delete its pod; once the pod is gone, drop the finalizer (the VMI goes)
///      │ no
///      ▼
///   finalizer foregroundDeleteVirtualMachine present? ─no─▶ add it (requeued by the update)
///      │ yes
///      ▼
///   no pod and not yet started ─▶ create virt-launcher-NAME-xxxxx (VirtLauncherPod) ─▶ status from the pod (VmiStatus)
/// </code>
/// A pod that disappears after the VMI started (confirmed by a live GET, not just a cache miss) fails the VMI. The pod
/// name is derived from the VMI's uid, so a create repeated after a lost status update finds the first pod.
/// </summary>
public sealed partial class VmiController : Controller
{
    private const string OwnerIndex = "kubevirt.vmi-owner";
    private readonly ResourceType _vmiType;
    private readonly ResourceType _podType;
    private Informer<JsonObject> _vmis = null!;
    private Informer<JsonObject> _pods = null!;

    public VmiController(ControllerContext context)
        : base("virtualmachineinstance", context)
    {
        _vmiType = context.Type(KubeVirtNames.Group, "virtualmachineinstances");
        _podType = context.Type("", "pods");
    }

    public override void Setup()
    {
        _vmis = Context.Informers.For(_vmiType);
        _pods = Context.Informers.For(_podType);
        _pods.AddIndex(OwnerIndex, p => OwnerRefs.ControllerUid(p, "VirtualMachineInstance") is { } uid ? [uid] : []);
        _vmis.OnAdd(v => Queue.Add(Informer<JsonObject>.KeyOf(v)));
        _vmis.OnUpdate((_, v) => Queue.Add(Informer<JsonObject>.KeyOf(v)));
        _pods.OnAdd(EnqueueOwner);
        _pods.OnUpdate((_, p) => EnqueueOwner(p));
        _pods.OnDelete(EnqueueOwner);
    }

    private void EnqueueOwner(JsonObject pod)
    {
        if (OwnerRefs.Controller(pod) is { } owner && Json.String(owner, "kind") == "VirtualMachineInstance")
        {
            Queue.Add(Informer<JsonObject>.KeyOf(Json.String(pod, "metadata", "namespace"), Json.String(owner, "name") ?? ""));
        }
    }

    protected override async Task ReconcileAsync(string key, CancellationToken ct)
    {
        var vmi = _vmis.Get(key);
        if (vmi is null)
        {
            return;
        }

        var ns = Json.String(vmi, "metadata", "namespace");
        var name = Json.String(vmi, "metadata", "name")!;
        var uid = Json.String(vmi, "metadata", "uid")!;
        var pods = _pods.ByIndex(OwnerIndex, uid);
        var pod = pods.FirstOrDefault(p => Json.String(p, "metadata", "deletionTimestamp") is null) ?? pods.FirstOrDefault();

        if (Json.String(vmi, "metadata", "deletionTimestamp") is not null)
        {
            await FinishDeletionAsync(vmi, pods, ct);
            return;
        }

        var finalizers = Json.Array(vmi, "metadata", "finalizers");
        if (!VmiPhase.IsFinal(Json.String(vmi, "status", "phase")) && finalizers?.Any(f => f?.GetValue<string>() == KubeVirtNames.VmiFinalizer) != true)
        {
            var updated = (JsonObject)vmi.DeepClone();
            var list = Json.Array(updated, "metadata", "finalizers") ?? [];
            list.Add(KubeVirtNames.VmiFinalizer);
            Json.EnsureObject(updated, "metadata")["finalizers"] = list;
            await Api.UpdateAsync(_vmiType, ns, updated, null, ct);
            return;
        }

        (string, string)? syncError = null;
        var podGone = false;
        var phase = Json.String(vmi, "status", "phase");
        if (pod is null && VmiPhase.IsUnprocessed(phase))
        {
            (pod, syncError) = await CreatePodAsync(vmi, ct);
        }
        else if (pod is null && !VmiPhase.IsFinal(phase))
        {
            pod = await GetPodAsync(ns, VirtLauncherPod.NameFor(name, uid), uid, ct);
            podGone = pod is null;
        }

        await WriteStatusAsync(vmi, pod, podGone, syncError, ct);
    }

    private async Task<(JsonObject? Pod, (string, string)? Error)> CreatePodAsync(JsonObject vmi, CancellationToken ct)
    {
        var ns = Json.String(vmi, "metadata", "namespace");
        JsonObject desired;
        try
        {
            desired = VirtLauncherPod.Build(vmi);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return (null, ("FailedCreate", $"failed to render launch manifest: {e.Message}"));
        }

        try
        {
            var created = await Api.CreateAsync(_podType, ns, desired, ct);
            LogPodCreated(Logger, ns ?? "", Json.String(vmi, "metadata", "name") ?? "", Json.String(created, "metadata", "name") ?? "");
            return (created, null);
        }
        catch (ApiException e) when (e.Code == 409 && e.Reason == "AlreadyExists")
        {
            var name = Json.String(desired, "metadata", "name")!;
            return (await GetPodAsync(ns, name, Json.String(vmi, "metadata", "uid")!, ct), null);
        }
        catch (ApiException e) when (e.Code is 400 or 403 or 422)
        {
            return (null, ("FailedCreate", $"failed to create virtual machine pod: {e.Message}"));
        }
    }

    /// <summary>The VMI's pod by name from the API (not the cache), or null when it does not exist or is another VMI's.</summary>
    private async Task<JsonObject?> GetPodAsync(string? ns, string name, string vmiUid, CancellationToken ct)
    {
        try
        {
            var pod = await Api.GetAsync(_podType, ns, name, ct);
            return OwnerRefs.ControllerUid(pod, "VirtualMachineInstance") == vmiUid ? pod : null;
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return null;
        }
    }

    private async Task WriteStatusAsync(JsonObject vmi, JsonObject? pod, bool podGone, (string, string)? syncError, CancellationToken ct)
    {
        var status = VmiStatus.Compute(vmi, pod, podGone, syncError, Context.Time.GetUtcNow());
        var ns = Json.String(vmi, "metadata", "namespace");
        if (!JsonNode.DeepEquals(status, vmi["status"]))
        {
            var updated = (JsonObject)vmi.DeepClone();
            updated["status"] = status;
            vmi = await Api.UpdateAsync(_vmiType, ns, updated, "status", ct);
        }

        // KubeVirt labels a VMI with its node once scheduled (selectors such as kubevirt.io/nodeName=N rely on it).
        var node = Json.String(status, "nodeName");
        if (!string.IsNullOrEmpty(node) && Json.String(vmi, "metadata", "labels", KubeVirtNames.NodeNameLabel) != node)
        {
            var updated = (JsonObject)vmi.DeepClone();
            Json.EnsureObject(Json.EnsureObject(updated, "metadata"), "labels")[KubeVirtNames.NodeNameLabel] = node;
            await Api.UpdateAsync(_vmiType, ns, updated, null, ct);
        }
    }

    private async Task FinishDeletionAsync(JsonObject vmi, IReadOnlyList<JsonObject> pods, CancellationToken ct)
    {
        var ns = Json.String(vmi, "metadata", "namespace");
        foreach (var pod in pods.Where(p => Json.String(p, "metadata", "deletionTimestamp") is null))
        {
            try
            {
                await Api.DeleteAsync(_podType, ns, Json.String(pod, "metadata", "name")!,
                    new DeleteOptions { PreconditionUid = Json.String(pod, "metadata", "uid") }, ct);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
            }
        }

        var uid = Json.String(vmi, "metadata", "uid")!;
        if (pods.Count > 0 || await GetPodAsync(ns, VirtLauncherPod.NameFor(Json.String(vmi, "metadata", "name")!, uid), uid, ct) is not null)
        {
            return; // the pod's deletion requeues this VMI
        }

        if (Json.Array(vmi, "metadata", "finalizers") is { } finalizers && finalizers.Any(f => f?.GetValue<string>() == KubeVirtNames.VmiFinalizer))
        {
            var updated = (JsonObject)vmi.DeepClone();
            Json.Object(updated, "metadata")!["finalizers"] = new JsonArray([.. finalizers
                .Where(f => f?.GetValue<string>() != KubeVirtNames.VmiFinalizer).Select(f => f!.DeepClone())]);
            try
            {
                await Api.UpdateAsync(_vmiType, ns, updated, null, ct);
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }
    }

    [LoggerMessage(EventId = 2601, Level = LogLevel.Information, Message = "VMI {Namespace}/{Vmi}: created pod {Pod}")]
    private static partial void LogPodCreated(ILogger logger, string @namespace, string vmi, string pod);
}
