using Berth.Agent.Pods;
using Berth.Runtime.Vm;

namespace Berth.Agent.Vm;

/// <summary>A VM pod's instance for <see cref="VmPodRuntime"/>: the VM runtime's spec and the agent's annotations of the instance.</summary>
internal sealed record VmRuntimeSpec : RuntimeSpec
{
    public required VmSpec Spec { get; init; }

    /// <summary>The <see cref="ContainerAnnotations"/> of the instance (kept beside the VM so that a restarted agent adopts it).</summary>
    public required IReadOnlyDictionary<string, string> Annotations { get; init; }

    /// <summary>Persistent disks: <c>disk.img</c> is made (sparse, raw) when missing, before the VM is created.</summary>
    public IReadOnlyList<ClaimDisk> ClaimDisks { get; init; } = [];
}
