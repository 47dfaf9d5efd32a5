using Berth.Runtime.Oci.Runtime;

namespace Berth.Agent.Pods;

/// <summary>A container for <see cref="OciPodRuntime"/>: the OCI runtime's <see cref="ContainerSpec"/>.</summary>
internal sealed record OciRuntimeSpec : RuntimeSpec
{
    public required ContainerSpec Spec { get; init; }
}
