using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Events;
using Berth.Controllers.Runtime;

namespace Berth.Controllers.Storage;

/// <summary>
/// Berth's built-in provisioner and binder for <see cref="LocalVolumes"/> (what a CSI external-provisioner plus
/// kube's PV controller do for a WaitForFirstConsumer class):
/// <code>
///   start ─▶ StorageClass local (default) when missing
///   claim (class local, or none) + a pod using it bound to node N ─▶ PV pvc-UID on N (local path, node affinity)
///     ─▶ PV status Bound ─▶ claim spec.volumeName, bind annotations ─▶ claim status Bound (capacity, access modes)
///   claim gone (checked live) ─▶ PV of reclaimPolicy Delete deleted, Retain ─▶ status Released
/// </code>
/// Claims of other classes are left alone. There is no pvc-protection finalizer yet: a claim deleted while a
/// pod uses it goes at once (its volume then too, under Delete).
/// </summary>
public sealed class LocalVolumeProvisioner(ControllerContext context, WorkloadOptions options) : Controller("local-volume-provisioner", context, workers: 1)
{
    public const string Component = "berth.dev/local";
    private const string ClassKey = "storageclass";
    private const string ClaimPrefix = "claim:";
    private const string VolumePrefix = "pv:";
    private const string ClaimIndex = "claims";

    private ResourceType _claimType = null!;
    private ResourceType _volumeType = null!;
    private ResourceType _classType = null!;
    private Informer<JsonObject> _claims = null!;
    private Informer<JsonObject> _volumes = null!;
    private Informer<JsonObject> _classes = null!;
    private Informer<JsonObject> _pods = null!;
    private Informer<JsonObject> _nodes = null!;
    private EventRecorder _events = null!;

    public override void Setup()
    {
        _claimType = Context.Type("", "persistentvolumeclaims");
        _volumeType = Context.Type("", "persistentvolumes");
        _classType = Context.Type("storage.k8s.io", "storageclasses");
        _events = EventRecorder.For(Context, Component);
        _claims = Context.Informers.For(_claimType);
        _volumes = Context.Informers.For(_volumeType);
        _classes = Context.Informers.For(_classType);
        _nodes = Context.Informers.For(Context.Type("", "nodes"));
        _pods = Context.Informers.For(Context.Type("", "pods"));
        _pods.AddIndex(ClaimIndex, p => LocalVolumes.ClaimsOf(p).Select(c => Informer<JsonObject>.KeyOf(Meta.Namespace(p), c)));

        _claims.OnAdd(c => Queue.Add(ClaimPrefix + Meta.Key(c)));
        _claims.OnUpdate((_, c) => Queue.Add(ClaimPrefix + Meta.Key(c)));
        _claims.OnDelete(c =>
        {
            if (Json.String(c, "spec", "volumeName") is { Length: > 0 } pv)
            {
                Queue.Add(VolumePrefix + pv);
            }
        });
        _volumes.OnAdd(v => Queue.Add(VolumePrefix + Meta.Name(v)));
        _volumes.OnUpdate((_, v) => Queue.Add(VolumePrefix + Meta.Name(v)));
        _pods.OnAdd(PodChanged);
        _pods.OnUpdate((old, pod) =>
        {
            if (PodState.NodeName(old) != PodState.NodeName(pod))
            {
                PodChanged(pod);
            }
        });
        Queue.Add(ClassKey);
    }

    private void PodChanged(JsonObject pod)
    {
        if (PodState.NodeName(pod).Length == 0)
        {
            return;
        }

        foreach (var claim in LocalVolumes.ClaimsOf(pod))
        {
            Queue.Add(ClaimPrefix + Informer<JsonObject>.KeyOf(Meta.Namespace(pod), claim));
        }
    }

    protected override Task ReconcileAsync(string key, CancellationToken ct) => key switch
    {
        ClassKey => EnsureClassAsync(ct),
        _ when key.StartsWith(ClaimPrefix, StringComparison.Ordinal) => ProvisionAsync(key[ClaimPrefix.Length..], ct),
        _ when key.StartsWith(VolumePrefix, StringComparison.Ordinal) => ReclaimAsync(key[VolumePrefix.Length..], ct),
        _ => Task.CompletedTask,
    };

    private async Task EnsureClassAsync(CancellationToken ct)
    {
        if (_classes.Get(LocalVolumes.ClassName) is not null)
        {
            return;
        }

        try
        {
            await Api.CreateAsync(_classType, null, LocalVolumes.StorageClass(), ct);
        }
        catch (ApiException e) when (e.Code == 409)
        {
        }
    }

    /// <summary>The class a claim gets: its own, or the default class (DefaultStorageClass admission) when it has none.</summary>
    private string? ClassOf(JsonObject claim)
    {
        if (Json.Object(claim, "spec") is { } spec && spec.ContainsKey("storageClassName"))
        {
            return Json.String(spec, "storageClassName");
        }

        return _classes.List().Where(LocalVolumes.IsDefaultClass).OrderByDescending(Meta.Created).Select(Meta.Name).FirstOrDefault();
    }

    private async Task ProvisionAsync(string claimKey, CancellationToken ct)
    {
        var claim = _claims.Get(claimKey);
        if (claim is null || Meta.IsDeleting(claim) || ClassOf(claim) != LocalVolumes.ClassName)
        {
            return;
        }

        if (Json.String(claim, "spec", "volumeName") is { Length: > 0 } bound)
        {
            await MarkClaimBoundAsync(claim, _volumes.Get(bound), ct);
            return;
        }

        var user = _pods.ByIndex(ClaimIndex, claimKey).FirstOrDefault(p => PodState.NodeName(p).Length > 0 && !PodState.IsTerminal(p));
        if (user is null)
        {
            // WaitForFirstConsumer: nothing to do until a pod using the claim is placed.
            return;
        }

        var nodeName = PodState.NodeName(user);
        var reclaim = Json.String(_classes.Get(LocalVolumes.ClassName), "reclaimPolicy") ?? "Delete";
        var volume = _volumes.Get(LocalVolumes.VolumeName(claim));
        if (volume is null)
        {
            var fresh = LocalVolumes.NewVolume(claim, nodeName, _nodes.Get(nodeName), options.DataDir, reclaim);
            try
            {
                volume = await Api.CreateAsync(_volumeType, null, fresh, ct);
            }
            catch (ApiException e) when (e.Code == 409 && e.Reason == "AlreadyExists")
            {
                volume = await Api.GetAsync(_volumeType, null, Meta.Name(fresh), ct);
            }

            await _events.NormalAsync(claim, "ProvisioningSucceeded",
                $"Successfully provisioned volume {Meta.Name(volume)} on node {nodeName}", ct);
        }

        if (Json.String(volume, "status", "phase") != "Bound")
        {
            var copy = Meta.Copy(volume);
            Json.EnsureObject(copy, "status")["phase"] = "Bound";
            volume = await Api.UpdateAsync(_volumeType, null, copy, "status", ct);
        }

        var updated = Meta.Copy(claim);
        Json.EnsureObject(updated, "spec")["volumeName"] = Meta.Name(volume);
        Meta.SetAnnotation(updated, "pv.kubernetes.io/bind-completed", "yes");
        Meta.SetAnnotation(updated, "pv.kubernetes.io/bound-by-controller", "yes");
        Meta.SetAnnotation(updated, LocalVolumes.SelectedNodeAnnotation, nodeName);
        Meta.SetAnnotation(updated, "volume.kubernetes.io/storage-provisioner", LocalVolumes.Provisioner);
        var written = await Api.UpdateAsync(_claimType, Meta.Namespace(updated), updated, null, ct);
        await MarkClaimBoundAsync(written, volume, ct);
    }

    private async Task MarkClaimBoundAsync(JsonObject claim, JsonObject? volume, CancellationToken ct)
    {
        if (volume is null || Json.String(volume, "spec", "claimRef", "uid") != Meta.Uid(claim) || Json.String(claim, "status", "phase") == "Bound")
        {
            return;
        }

        var copy = Meta.Copy(claim);
        var status = Json.EnsureObject(copy, "status");
        status["phase"] = "Bound";
        status["accessModes"] = Json.Array(volume, "spec", "accessModes")?.DeepClone();
        status["capacity"] = Json.Object(volume, "spec", "capacity")?.DeepClone();
        await Api.UpdateAsync(_claimType, Meta.Namespace(copy), copy, "status", ct);
    }

    private async Task ReclaimAsync(string name, CancellationToken ct)
    {
        var volume = _volumes.Get(name);
        if (volume is null || Meta.Annotation(volume, LocalVolumes.ProvisionedByAnnotation) != LocalVolumes.Provisioner
            || Json.Object(volume, "spec", "claimRef") is not { } claimRef)
        {
            return;
        }

        var ns = Json.String(claimRef, "namespace");
        var claimName = Json.String(claimRef, "name") ?? "";
        if (_claims.Get(ns, claimName) is { } cached && Meta.Uid(cached) == Json.String(claimRef, "uid"))
        {
            return;
        }

        try
        {
            var live = await Api.GetAsync(_claimType, ns, claimName, ct);
            if (Meta.Uid(live) == Json.String(claimRef, "uid"))
            {
                return;
            }
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }

        if (Json.String(volume, "spec", "persistentVolumeReclaimPolicy") == "Delete")
        {
            try
            {
                await Api.DeleteAsync(_volumeType, null, name, new DeleteOptions { PreconditionUid = Meta.Uid(volume) }, ct);
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
            }

            return;
        }

        if (Json.String(volume, "status", "phase") != "Released")
        {
            var copy = Meta.Copy(volume);
            Json.EnsureObject(copy, "status")["phase"] = "Released";
            await Api.UpdateAsync(_volumeType, null, copy, "status", ct);
        }
    }
}
