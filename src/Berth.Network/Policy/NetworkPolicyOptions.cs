namespace Berth.Network.Policy;

/// <summary>Node-level settings of NetworkPolicy enforcement.</summary>
public sealed record NetworkPolicyOptions
{
    /// <summary>The nftables table (family <c>ip</c>) that holds every rule of the enforcer; nothing is written
    /// outside it. Separate from the service proxy's <c>ip berth</c> (docs/adr/0003-network-policy.md).</summary>
    public string TableName { get; init; } = "berth-policy";

    /// <summary>What denied traffic gets: <see cref="PolicyDenyAction.Reject"/> (the default: the sender learns
    /// quickly; a direct TCP connection gets a reset, anything else ICMP admin-prohibited, which a TCP client on this
    /// kernel reports as "no route to host" at its first SYN retransmission, ~1 s) or <see cref="PolicyDenyAction.Drop"/>
    /// (the sender waits for its own timeout, as with Calico's default).</summary>
    public PolicyDenyAction DenyAction { get; init; } = PolicyDenyAction.Reject;
}
