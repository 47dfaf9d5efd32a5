namespace Berth.Network.Policy;

/// <summary>
/// Enforces NetworkPolicies for the pods of one node. Driven by full state: each <see cref="SyncAsync"/> gets the
/// whole <see cref="PolicyState"/> and makes the kernel enforce exactly it, atomically.
/// <para>
/// Contract: a sync with the same input as the last one changes nothing (and returns false); a new enforcer (agent
/// restart) simply replaces what it finds with its first sync; established connections are never cut by a sync (they
/// are held by conntrack, which the enforcer never touches; as with most Kubernetes network plugins, a policy
/// change applies to new connections only); <see cref="CleanupAsync"/> removes every rule the enforcer ever made.
/// Calls must not overlap (the caller serialises them, e.g. through <see cref="NetworkPolicyLoop"/>).
/// </para>
/// </summary>
public interface INetworkPolicyEnforcer
{
    /// <summary>Makes the node enforce exactly <paramref name="state"/>; returns whether anything changed.</summary>
    Task<bool> SyncAsync(PolicyState state, CancellationToken cancellationToken = default);

    /// <summary>Removes everything the enforcer added: every pod is unisolated at once.</summary>
    Task CleanupAsync(CancellationToken cancellationToken = default);
}
