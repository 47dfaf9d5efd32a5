using Berth.Agent.Policy;
using Berth.Network.Policy;
using Xunit;

namespace Berth.Agent.Tests.Policy;

[Trait("Tier", "Unit")]
public sealed class OnDemandPolicyEnforcerTests
{
    private static readonly PolicyState WithPolicy = PolicyState.Empty with
    {
        Policies = [new NetworkPolicy("shop", "deny", PolicySelector.Everything, PolicyTypes.Ingress, [], [])],
    };

    [Fact]
    public async Task TableExistsOnlyWhilePoliciesDo()
    {
        var inner = new RecordingEnforcer();
        var enforcer = new OnDemandPolicyEnforcer(inner);
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await enforcer.SyncAsync(PolicyState.Empty, ct));    // first sync: whatever an earlier agent left goes
        Assert.False(await enforcer.SyncAsync(PolicyState.Empty, ct));   // nothing to do any more
        Assert.Equal(["cleanup"], inner.Calls);

        Assert.True(await enforcer.SyncAsync(WithPolicy, ct));
        Assert.True(await enforcer.SyncAsync(PolicyState.Empty, ct));    // last policy deleted: table removed
        Assert.False(await enforcer.SyncAsync(PolicyState.Empty, ct));
        Assert.Equal(["cleanup", "sync 1", "cleanup"], inner.Calls);
    }

    private sealed class RecordingEnforcer : INetworkPolicyEnforcer
    {
        public List<string> Calls { get; } = [];

        public Task<bool> SyncAsync(PolicyState state, CancellationToken cancellationToken = default)
        {
            Calls.Add($"sync {state.Policies.Count}");
            return Task.FromResult(true);
        }

        public Task CleanupAsync(CancellationToken cancellationToken = default)
        {
            Calls.Add("cleanup");
            return Task.CompletedTask;
        }
    }
}
