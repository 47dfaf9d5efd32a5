namespace Berth.Agent.Pods;

/// <summary>
/// A runtime's translation of a <see cref="ContainerRequest"/> (<see cref="IPodRuntime.PrepareAsync"/>), ready for
/// <see cref="IPodRuntime.CreateAsync"/>: <see cref="OciRuntimeSpec"/> for containers, <c>VmRuntimeSpec</c> for VMs.
/// </summary>
internal abstract record RuntimeSpec
{
    /// <summary>The instance's runtime id (the <c>containerID</c> after the scheme).</summary>
    public required string Id { get; init; }

    /// <summary>The CRI log file of the instance.</summary>
    public required string LogPath { get; init; }

    /// <summary>Events to record on the pod once the instance is created (type, reason, message), e.g. which accelerator a VM got.</summary>
    public IReadOnlyList<(string Type, string Reason, string Message)> Events { get; init; } = [];
}
