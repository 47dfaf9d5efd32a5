using Berth.Agent.Pods;
using k8s.Models;

namespace Berth.Agent.Volumes;

/// <summary>
/// The one place the node agent follows a <c>persistentVolumeClaim</c> pod volume to a directory on this node, as the
/// kubelet's volume manager does before it mounts: claim → <c>spec.volumeName</c> → PersistentVolume →
/// <c>spec.local.path</c> or <c>spec.hostPath.path</c>, as Berth's local provisioner makes them (docs/controllers.md,
/// "Local volumes"). Container pods bind-mount the directory (<see cref="VolumeBuilder"/>); VM pods keep a disk image
/// in it (<see cref="Vm.ClaimDisks"/>).
/// <code>
///   claim missing ─▶ NotFound          claim deleting, status Lost, PV claimRef of another claim ─▶ Lost
///   no volumeName / not Bound / PV not visible yet ─▶ Waiting (polled up to `wait`, then reported)
///   PV nodeAffinity does not admit this node ─▶ OtherNode    block mode, or neither local nor hostPath ─▶ Unsupported
///   else ─▶ ClaimVolume (path, readOnly, size)
/// </code>
/// Berth's provisioner binds a WaitForFirstConsumer claim only once the scheduler has bound the pod, so an agent
/// regularly sees the pod a moment before its claim is bound: that is <see cref="ClaimProblem.Waiting"/>. What cannot
/// be mounted is reported and the pod worker retries the sync (a <c>FailedMount</c> event, containers
/// <c>ContainerCreating</c>), as the kubelet does while it waits for volumes
/// (https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/volumemanager/volume_manager.go, WaitForAttachAndMount).
/// </summary>
internal static class ClaimResolver
{
    public const string LocalProvisioner = "berth.dev/local";

    /// <summary>How long <see cref="ResolveAsync(IPodObjects, string, string, ClaimNode?, TimeProvider, CancellationToken, TimeSpan?)"/> waits for a claim to be bound when not told otherwise.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(5);

    /// <summary>The claim <paramref name="volumeName"/> of <paramref name="pod"/> refers to, or null when that pod volume is not a persistentVolumeClaim.</summary>
    public static string? ClaimNameOf(V1Pod pod, string volumeName) =>
        (pod.Spec.Volumes ?? []).FirstOrDefault(v => v.Name == volumeName)?.PersistentVolumeClaim?.ClaimName;

    /// <summary>
    /// Reads the claim and its volume through <paramref name="objects"/> and <see cref="Resolve"/>s them, polling every
    /// 200 ms while the claim is <see cref="ClaimProblem.Waiting"/>, for at most <paramref name="wait"/>.
    /// <paramref name="node"/> null skips the node affinity check.
    /// </summary>
    /// <exception cref="ClaimUnavailableException">The claim cannot be mounted (yet).</exception>
    public static async Task<ClaimVolume> ResolveAsync(
        IPodObjects objects, string ns, string claimName, bool readOnly, ClaimNode? node, TimeProvider time, CancellationToken ct, TimeSpan? wait = null)
    {
        var deadline = time.GetUtcNow() + (wait ?? DefaultWait);
        while (true)
        {
            var claim = await objects.ClaimAsync(ns, claimName, ct);
            var volume = claim?.Spec?.VolumeName is { Length: > 0 } volumeName ? await objects.VolumeAsync(volumeName, ct) : null;
            try
            {
                return Resolve(ns, claimName, readOnly, claim, volume, node);
            }
            catch (ClaimUnavailableException e) when (e.Problem == ClaimProblem.Waiting && time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, ct);
            }
        }
    }

    /// <summary>For VM disks: the claim's directory and size (checked against <paramref name="node"/> when given); failures as config errors.</summary>
    /// <exception cref="ContainerConfigException">The claim cannot be used (the message says why), or nothing says its size.</exception>
    public static async Task<LocalClaimVolume> ResolveAsync(
        IPodObjects objects, string ns, string claimName, ClaimNode? node, TimeProvider time, CancellationToken ct, TimeSpan? wait = null)
    {
        ClaimVolume v;
        try
        {
            v = await ResolveAsync(objects, ns, claimName, readOnly: false, node, time, ct, wait);
        }
        catch (ClaimUnavailableException e)
        {
            throw new ContainerConfigException(e.Message);
        }

        return new LocalClaimVolume(claimName, v.VolumeName, v.Path,
            v.CapacityBytes ?? throw new ContainerConfigException($"persistentvolumeclaim \"{claimName}\" has no storage size"));
    }

    /// <summary>The pure decision, from the objects the caller read (null: not found).</summary>
    /// <exception cref="ClaimUnavailableException">The claim cannot be mounted (yet).</exception>
    public static ClaimVolume Resolve(
        string ns, string claimName, bool readOnly, V1PersistentVolumeClaim? claim, V1PersistentVolume? volume, ClaimNode? node)
    {
        if (claim is null)
        {
            throw new ClaimUnavailableException(ClaimProblem.NotFound, $"persistentvolumeclaim \"{claimName}\" not found");
        }

        if (claim.Metadata?.DeletionTimestamp is not null)
        {
            throw new ClaimUnavailableException(ClaimProblem.Lost, $"persistentvolumeclaim \"{claimName}\" is being deleted");
        }

        var phase = claim.Status?.Phase;
        var volumeName = claim.Spec?.VolumeName;
        if (phase == "Lost")
        {
            throw new ClaimUnavailableException(ClaimProblem.Lost, $"persistentvolumeclaim \"{claimName}\" lost its volume \"{volumeName}\"");
        }

        if (string.IsNullOrEmpty(volumeName) || phase != "Bound")
        {
            throw new ClaimUnavailableException(ClaimProblem.Waiting, $"persistentvolumeclaim \"{claimName}\" is not bound yet");
        }

        if (volume is null)
        {
            throw new ClaimUnavailableException(ClaimProblem.Waiting, $"persistentvolume \"{volumeName}\" of claim \"{claimName}\" not found");
        }

        // A claimRef, when the volume has one, must be this claim (the binder writes it; a pre-bound volume may lack the uid).
        if (volume.Spec?.ClaimRef is { } claimRef
            && (claimRef.Name != claimName || (claimRef.NamespaceProperty ?? ns) != ns
                || (claimRef.Uid is not null && claim.Metadata?.Uid is not null && claimRef.Uid != claim.Metadata.Uid)))
        {
            throw new ClaimUnavailableException(ClaimProblem.Lost,
                $"persistentvolume \"{volumeName}\" is bound to claim {claimRef.NamespaceProperty}/{claimRef.Name}, not to persistentvolumeclaim \"{claimName}\"");
        }

        if (volume.Spec?.VolumeMode == "Block")
        {
            throw new ClaimUnavailableException(ClaimProblem.Unsupported, $"persistentvolume \"{volumeName}\": block volumes are not supported by Berth (volumeMode Filesystem is)");
        }

        if (node is not null && !VolumeNodeAffinity.Admits(volume, node.Name, node.Labels))
        {
            throw new ClaimUnavailableException(ClaimProblem.OtherNode,
                $"persistentvolume \"{volumeName}\" of persistentvolumeclaim \"{claimName}\" is a local volume of another node: its node affinity does not admit node \"{node.Name}\"");
        }

        var provisioned = volume.Metadata?.Annotations?.TryGetValue("pv.kubernetes.io/provisioned-by", out var by) == true && by == LocalProvisioner;
        var size = Bytes(volume.Spec?.Capacity) ?? Bytes(claim.Status?.Capacity) ?? Bytes(claim.Spec?.Resources?.Requests);
        if (volume.Spec?.Local?.Path is { Length: > 0 } local)
        {
            return new ClaimVolume(claimName, volumeName, local, readOnly, provisioned, null, size);
        }

        if (volume.Spec?.HostPath?.Path is { Length: > 0 } hostPath)
        {
            return new ClaimVolume(claimName, volumeName, hostPath, readOnly, provisioned, volume.Spec.HostPath.Type ?? "", size);
        }

        throw new ClaimUnavailableException(ClaimProblem.Unsupported,
            $"persistentvolume \"{volumeName}\" is neither local nor hostPath: Berth's node agent cannot reach it");
    }

    private static long? Bytes(IDictionary<string, ResourceQuantity>? map) =>
        map is not null && map.TryGetValue("storage", out var q) ? (long)q.ToDecimal() : null;
}
