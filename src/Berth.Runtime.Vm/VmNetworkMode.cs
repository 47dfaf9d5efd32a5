namespace Berth.Runtime.Vm;

/// <summary>How the guest gets the pod's network identity. See docs/adr/0002-vm-networking.md.</summary>
public enum VmNetworkMode
{
    /// <summary>
    /// The default. A tap and the pod interface join a bridge in the pod's namespace; the pod IP
    /// and the pod interface's MAC move into the guest (the pod interface gets a new MAC), as
    /// KubeVirt's bridge binding. The guest answers on the pod IP directly.
    /// </summary>
    Bridge,

    /// <summary>
    /// The guest sits on 10.0.2.2/24 behind a tap at 10.0.2.1 in the pod's namespace; traffic to
    /// the pod IP is DNATed to it and its traffic is masqueraded, as KubeVirt's masquerade binding.
    /// </summary>
    Masquerade,
}
