namespace Berth.Api.KubeVirt;

/// <summary>
/// The guest's NIC on the pod network. <see cref="Binding"/> <c>bridge</c>: the guest takes the pod IP (docs/adr/0002);
/// <c>masquerade</c>: the guest is 10.0.2.2 behind NAT on the pod IP, with <see cref="Ports"/> forwarded (all when empty).
/// </summary>
public sealed record VmPodNetwork
{
    public const string BridgeBinding = "bridge";
    public const string MasqueradeBinding = "masquerade";

    /// <summary>The VMI's interface name (reported back in <c>status.interfaces[].name</c>).</summary>
    public required string Name { get; init; }

    public required string Binding { get; init; }

    public IReadOnlyList<VmPodPort> Ports { get; set; } = [];
}
