using Berth.Agent.Volumes;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// The config maps and secrets a pod refers to (env, envFrom, volumes): null when they do not exist; and its claims,
/// resolved to host directories (<see cref="ClaimResolver"/>).
/// </summary>
internal interface IPodObjects
{
    Task<V1ConfigMap?> ConfigMapAsync(string ns, string name, CancellationToken cancellationToken);

    Task<V1Secret?> SecretAsync(string ns, string name, CancellationToken cancellationToken);

    /// <exception cref="ClaimUnavailableException">The claim cannot be mounted (yet).</exception>
    Task<ClaimVolume> ClaimAsync(string ns, string claimName, bool readOnly, CancellationToken cancellationToken);
}
