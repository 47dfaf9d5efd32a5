using Berth.Agent.Pods;
using Berth.Agent.Volumes;
using Berth.Api.KubeVirt;
using k8s.Models;

namespace Berth.Agent.Vm;

/// <summary>
/// Resolves the <c>persistentVolumeClaim</c> disks of a VM pod (from the KubeVirt pod contract) to their local
/// volumes through <see cref="ClaimResolver"/> (shared with container pods' claim mounts).
/// </summary>
internal static class ClaimDisks
{
    /// <param name="node">This node, for the node affinity of the claims' volumes (null: not checked).</param>
    /// <param name="wait">How long to wait for a claim to be bound (<see cref="ClaimResolver.DefaultWait"/> by default).</param>
    /// <returns>The disks by pod volume name.</returns>
    public static async Task<IReadOnlyDictionary<string, ClaimDisk>> ResolveAsync(
        V1Pod pod, IPodObjects objects, ClaimNode? node, TimeProvider time, CancellationToken ct, TimeSpan? wait = null)
    {
        var contract = VmSpecFactory.Contract(pod);
        var result = new Dictionary<string, ClaimDisk>(StringComparer.Ordinal);
        foreach (var disk in contract?.Disks.Where(d => d.Source == VmPodDisk.PersistentVolumeClaimSource) ?? [])
        {
            var volumeName = disk.Volume ?? disk.Name;
            var claimName = ClaimResolver.ClaimNameOf(pod, volumeName)
                ?? throw new ContainerConfigException($"disk \"{disk.Name}\": the pod has no persistentVolumeClaim volume \"{volumeName}\"");
            var volume = await ClaimResolver.ResolveAsync(objects, pod.Metadata.NamespaceProperty ?? "default", claimName, node, time, ct, wait);
            result[volumeName] = new ClaimDisk(volume.Claim, volume.Directory, volume.CapacityBytes);
        }

        return result;
    }
}
