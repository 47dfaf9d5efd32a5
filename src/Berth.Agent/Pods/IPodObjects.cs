using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>The config maps, secrets and persistent volume claims a pod refers to (env, envFrom, volumes, VM disks): null when they do not exist.</summary>
internal interface IPodObjects
{
    Task<V1ConfigMap?> ConfigMapAsync(string ns, string name, CancellationToken cancellationToken);

    Task<V1Secret?> SecretAsync(string ns, string name, CancellationToken cancellationToken);

    Task<V1PersistentVolumeClaim?> ClaimAsync(string ns, string name, CancellationToken cancellationToken);

    Task<V1PersistentVolume?> VolumeAsync(string name, CancellationToken cancellationToken);
}
