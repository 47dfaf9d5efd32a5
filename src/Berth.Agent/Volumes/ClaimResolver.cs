using Berth.Agent.Pods;
using k8s.Models;

namespace Berth.Agent.Volumes;

/// <summary>
/// The one place the node agent follows a <c>persistentVolumeClaim</c> pod volume to a directory on this node:
/// claim → its bound PersistentVolume → <c>spec.local.path</c> (or <c>hostPath.path</c>), as the local volume
/// provisioner makes them (docs/controllers.md, "Local volumes"). Container pods mount the directory; VM pods keep a
/// disk image in it (<see cref="Vm.ClaimDisks"/>).
/// <para>
/// A claim that is not bound yet is polled for <c>wait</c> (the provisioner binds a WaitForFirstConsumer claim once
/// the scheduler has bound the pod, so it may lag the pod by a moment), then reported as a config error: the pod
/// worker retries the sync, as the kubelet does while it waits for volumes to attach
/// (https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/volumemanager/volume_manager.go, WaitForAttachAndMount).
/// </para>
/// </summary>
internal static class ClaimResolver
{
    /// <summary>How long <see cref="ResolveAsync"/> waits for a claim to be bound when not told otherwise.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(5);

    /// <summary>The claim <paramref name="volumeName"/> of <paramref name="pod"/> refers to, or null when that pod volume is not a persistentVolumeClaim.</summary>
    public static string? ClaimNameOf(V1Pod pod, string volumeName) =>
        (pod.Spec.Volumes ?? []).FirstOrDefault(v => v.Name == volumeName)?.PersistentVolumeClaim?.ClaimName;

    /// <exception cref="ContainerConfigException">The claim or its volume does not exist, the claim is not bound within <paramref name="wait"/>, the volume is not a local one, or nothing says its size.</exception>
    public static async Task<LocalClaimVolume> ResolveAsync(
        IPodObjects objects, string ns, string claimName, TimeProvider time, CancellationToken ct, TimeSpan? wait = null)
    {
        var deadline = time.GetUtcNow() + (wait ?? DefaultWait);
        V1PersistentVolumeClaim claim;
        while (true)
        {
            claim = await objects.ClaimAsync(ns, claimName, ct)
                ?? throw new ContainerConfigException($"persistentvolumeclaim \"{claimName}\" not found");
            if (IsBound(claim))
            {
                break;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new ContainerConfigException($"persistentvolumeclaim \"{claimName}\" is not bound yet");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, ct);
        }

        var volume = await objects.VolumeAsync(claim.Spec.VolumeName, ct)
            ?? throw new ContainerConfigException($"persistentvolume \"{claim.Spec.VolumeName}\" of claim \"{claimName}\" not found");
        var path = volume.Spec?.Local?.Path ?? volume.Spec?.HostPath?.Path
            ?? throw new ContainerConfigException($"persistentvolume \"{volume.Metadata.Name}\" is neither local nor hostPath: Berth's node agent cannot reach it");
        var capacity = Bytes(volume.Spec?.Capacity) ?? Bytes(claim.Status?.Capacity) ?? Bytes(claim.Spec?.Resources?.Requests)
            ?? throw new ContainerConfigException($"persistentvolumeclaim \"{claimName}\" has no storage size");
        return new LocalClaimVolume(claimName, volume.Metadata.Name, path, capacity);
    }

    private static bool IsBound(V1PersistentVolumeClaim claim) =>
        claim.Status?.Phase == "Bound" && !string.IsNullOrEmpty(claim.Spec?.VolumeName);

    private static long? Bytes(IDictionary<string, ResourceQuantity>? map) =>
        map is not null && map.TryGetValue("storage", out var q) ? (long)q.ToDecimal() : null;
}
