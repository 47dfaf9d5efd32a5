namespace Berth.Network.Pods;

/// <summary>
/// Pod networking on one node: one network namespace per pod, joined to the node's bridge by CNI plugins.
/// <para>
/// Lifecycle of one pod's network (keyed by pod UID; the state is on disk, so it survives the agent):
/// <code>
///   (none) --SetUp--> SettingUp --plugins ADD ok--> Ready --TearDown--> TearingDown --plugins DEL ok--> (none)
///                        |  ADD failed: rolled back, error thrown            |  DEL failed: record kept, error thrown;
///                        +-- agent died here: the next SetUp or TearDown      +-- the next TearDown retries
///                            rolls it back first
/// </code>
/// SetUp of a UID that is Ready and whose netns still exists returns the existing status (adoption after an agent
/// restart: nothing is re-created). TearDown of an unknown UID does nothing. Calls for different pods run
/// concurrently; calls for one pod are serialised.
/// </para>
/// </summary>
public interface IPodNetwork
{
    /// <summary>Creates the node-level parts (the bridge with the gateway address) if missing. Idempotent; SetUp
    /// calls it too, but callers that listen on the gateway (cluster DNS) call it first.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    Task<PodNetworkStatus> SetUpAsync(PodNetworkRequest request, CancellationToken cancellationToken = default);

    Task TearDownAsync(string podUid, CancellationToken cancellationToken = default);

    /// <summary>The pods this node has a network for (Ready ones), from the records on disk: what an agent that
    /// starts adopts. The agent tears down those whose pods no longer exist.</summary>
    Task<IReadOnlyList<PodNetworkStatus>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Tears down every network on the node (in any phase, half-made ones included) whose pod UID is not in
    /// <paramref name="livePodUids"/>: what an agent runs once it knows its pods after a start. Returns the UIDs torn
    /// down; failures are thrown after every UID was tried.</summary>
    Task<IReadOnlyList<string>> GarbageCollectAsync(IReadOnlySet<string> livePodUids, CancellationToken cancellationToken = default);

    /// <summary>Removes the node-level parts (bridge, portmap's shared chains) when no pod has a network.
    /// Returns false and removes nothing while pods remain. Not called on agent stop: pods outlive the agent.</summary>
    Task<bool> CleanupHostAsync(CancellationToken cancellationToken = default);
}
