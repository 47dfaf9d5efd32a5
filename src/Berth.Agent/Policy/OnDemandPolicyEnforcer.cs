using Berth.Network.Policy;

namespace Berth.Agent.Policy;

/// <summary>
/// An <see cref="INetworkPolicyEnforcer"/> whose table exists only while the cluster has a NetworkPolicy: a state
/// without policies isolates nothing, so it is enforced by removing the table (once; a table left by an earlier agent
/// process goes with the first such sync). A node that never sees a policy carries no policy rule at all, and deleting
/// the last policy leaves nothing behind. Calls are serialised by <see cref="NetworkPolicyLoop"/>, as the inner
/// enforcer requires.
/// </summary>
internal sealed class OnDemandPolicyEnforcer(INetworkPolicyEnforcer inner) : INetworkPolicyEnforcer
{
    private bool? _present;

    public async Task<bool> SyncAsync(PolicyState state, CancellationToken cancellationToken = default)
    {
        if (state.Policies.Count > 0)
        {
            var changed = await inner.SyncAsync(state, cancellationToken);
            _present = true;
            return changed;
        }

        if (_present == false)
        {
            return false;
        }

        await inner.CleanupAsync(cancellationToken);
        var was = _present;
        _present = false;
        return was != false;
    }

    public async Task CleanupAsync(CancellationToken cancellationToken = default)
    {
        await inner.CleanupAsync(cancellationToken);
        _present = false;
    }
}
