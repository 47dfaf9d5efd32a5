using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;

namespace Berth.Agent.Volumes;

/// <summary>
/// Resolves a pod's <c>persistentVolumeClaim</c> to the host directory of its bound PersistentVolume, as the kubelet's
/// volume manager does before it mounts (claim → <c>spec.volumeName</c> → PV → <c>local.path</c> or <c>hostPath.path</c>):
/// <code>
///   claim missing ─▶ NotFound          claim deleting, status Lost, PV claimRef of another claim ─▶ Lost
///   no volumeName / not Bound / PV not visible yet ─▶ Waiting (the pod stays ContainerCreating, retried)
///   PV nodeAffinity excludes this node ─▶ OtherNode    block mode, or neither local nor hostPath ─▶ Unsupported
///   else ─▶ ClaimVolume (path, readOnly)
/// </code>
/// Berth's local provisioner binds a claim only after the scheduler placed its first pod (WaitForFirstConsumer, see
/// <c>Berth.Controllers.Storage.LocalVolumes</c>), so an agent regularly sees its pod before the claim is bound: that is
/// <see cref="ClaimProblem.Waiting"/>, not an error. Used for container volumes (<c>Pods.VolumeBuilder</c>) and meant
/// for VM disks backed by claims too.
/// </summary>
public sealed class ClaimResolver(IApiClient api, string nodeName)
{
    public const string LocalProvisioner = "berth.dev/local";
    public const string HostnameLabel = "kubernetes.io/hostname";

    private readonly ResourceType _claims = ResourceRegistry.Default.Find("", "v1", "persistentvolumeclaims")!;
    private readonly ResourceType _volumes = ResourceRegistry.Default.Find("", "v1", "persistentvolumes")!;
    private readonly ResourceType _nodes = ResourceRegistry.Default.Find("", "v1", "nodes")!;

    /// <summary>Reads the claim, its volume and (when the volume has node affinity) this node, then <see cref="Resolve"/>s.</summary>
    /// <exception cref="ClaimUnavailableException">The claim cannot be mounted now.</exception>
    public async Task<ClaimVolume> ResolveAsync(string ns, string claimName, bool readOnly, CancellationToken ct)
    {
        var claim = await GetAsync(_claims, ns, claimName, ct);
        JsonObject? volume = null;
        if (claim is not null && Json.String(claim, "spec", "volumeName") is { Length: > 0 } volumeName)
        {
            volume = await GetAsync(_volumes, null, volumeName, ct);
        }

        IReadOnlyDictionary<string, string>? labels = null;
        if (volume is not null && Json.Object(volume, "spec", "nodeAffinity") is not null)
        {
            var node = await GetAsync(_nodes, null, nodeName, ct);
            labels = Json.Object(node, "metadata", "labels")?.Where(p => Json.StringOf(p.Value) is not null)
                .ToDictionary(p => p.Key, p => Json.StringOf(p.Value)!, StringComparer.Ordinal);
        }

        return Resolve(ns, claimName, readOnly, claim, volume, nodeName, labels ?? new Dictionary<string, string> { [HostnameLabel] = nodeName });
    }

    /// <summary>The pure decision, from objects read by the caller (null: not found).</summary>
    public static ClaimVolume Resolve(
        string ns, string claimName, bool readOnly, JsonObject? claim, JsonObject? volume, string nodeName, IReadOnlyDictionary<string, string> nodeLabels)
    {
        if (claim is null)
        {
            throw new ClaimUnavailableException(ClaimProblem.NotFound, $"persistentvolumeclaim \"{claimName}\" not found");
        }

        if (Json.String(claim, "metadata", "deletionTimestamp") is not null)
        {
            throw new ClaimUnavailableException(ClaimProblem.Lost, $"persistentvolumeclaim \"{claimName}\" is being deleted");
        }

        var phase = Json.String(claim, "status", "phase");
        if (phase == "Lost")
        {
            throw new ClaimUnavailableException(ClaimProblem.Lost, $"persistentvolumeclaim \"{claimName}\" lost its volume \"{Json.String(claim, "spec", "volumeName")}\"");
        }

        var volumeName = Json.String(claim, "spec", "volumeName");
        if (string.IsNullOrEmpty(volumeName) || phase != "Bound")
        {
            throw new ClaimUnavailableException(ClaimProblem.Waiting,
                $"persistentvolumeclaim \"{claimName}\" is not bound yet (phase {phase ?? "Pending"}): waiting for its volume to be provisioned and bound");
        }

        if (volume is null)
        {
            throw new ClaimUnavailableException(ClaimProblem.Waiting, $"persistentvolume \"{volumeName}\" of persistentvolumeclaim \"{claimName}\" not found");
        }

        var claimUid = Json.String(claim, "metadata", "uid");
        var refUid = Json.String(volume, "spec", "claimRef", "uid");
        var refName = Json.String(volume, "spec", "claimRef", "name");
        var refNs = Json.String(volume, "spec", "claimRef", "namespace");
        if (refName != claimName || (refNs ?? ns) != ns || (refUid is not null && claimUid is not null && refUid != claimUid))
        {
            throw new ClaimUnavailableException(ClaimProblem.Lost,
                $"persistentvolume \"{volumeName}\" is bound to claim {refNs}/{refName}, not to persistentvolumeclaim \"{claimName}\"");
        }

        if (Json.String(volume, "spec", "volumeMode") == "Block")
        {
            throw new ClaimUnavailableException(ClaimProblem.Unsupported, $"persistentvolume \"{volumeName}\": block volumes are not supported by Berth (volumeMode Filesystem is)");
        }

        if (!VolumeNodeAffinity.Admits(volume, nodeName, nodeLabels))
        {
            throw new ClaimUnavailableException(ClaimProblem.OtherNode,
                $"persistentvolume \"{volumeName}\" of persistentvolumeclaim \"{claimName}\" is a local volume of another node: its node affinity does not admit node \"{nodeName}\"");
        }

        var provisioned = Json.String(volume, "metadata", "annotations", "pv.kubernetes.io/provisioned-by") == LocalProvisioner;
        if (Json.String(volume, "spec", "local", "path") is { Length: > 0 } local)
        {
            return new ClaimVolume(claimName, volumeName, local, readOnly, provisioned, null);
        }

        if (Json.String(volume, "spec", "hostPath", "path") is { Length: > 0 } hostPath)
        {
            return new ClaimVolume(claimName, volumeName, hostPath, readOnly, provisioned, Json.String(volume, "spec", "hostPath", "type") ?? "");
        }

        throw new ClaimUnavailableException(ClaimProblem.Unsupported,
            $"persistentvolume \"{volumeName}\": only local and hostPath persistent volumes can be mounted by Berth");
    }

    private async Task<JsonObject?> GetAsync(ResourceType type, string? ns, string name, CancellationToken ct)
    {
        try
        {
            return await api.GetAsync(type, ns, name, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            return null;
        }
    }
}
