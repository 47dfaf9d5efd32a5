namespace Berth.Runtime.Vm;

/// <summary>What the runtime changed in the pod's network namespace, so that Delete can undo it after an agent restart.</summary>
public sealed record PodNetworkState(
    VmNetworkMode Mode,
    string TapName,
    string? BridgeName,
    string GuestMac,
    string? OriginalPodMac,
    int? Mtu = null);
