using Berth.Network.Pods;

namespace Berth.Agent.Policy;

/// <summary>
/// The node's <see cref="IPodNetwork"/> with NetworkPolicy in the loop: <see cref="SetUpAsync"/> returns a pod's
/// network only once <see cref="PolicySync"/> enforces the rules that include it (see <see cref="PolicySync.AdmitAsync"/>),
/// and <see cref="TearDownAsync"/> takes the pod's address out of the state. Runtimes (containers and VMs alike) set up
/// the network before they start anything in the pod, so this is where "protected from the first packet" holds.
/// Everything else is passed through.
/// </summary>
internal sealed class PolicyGatedPodNetwork(IPodNetwork inner, PolicySync policy) : IPodNetwork
{
    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public async Task<PodNetworkStatus> SetUpAsync(PodNetworkRequest request, CancellationToken cancellationToken = default)
    {
        var status = await inner.SetUpAsync(request, cancellationToken);
        await policy.AdmitAsync(status, cancellationToken);
        return status;
    }

    public async Task TearDownAsync(string podUid, CancellationToken cancellationToken = default)
    {
        await inner.TearDownAsync(podUid, cancellationToken);
        policy.Forget(podUid);
    }

    public Task<IReadOnlyList<PodNetworkStatus>> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> GarbageCollectAsync(IReadOnlySet<string> livePodUids, CancellationToken cancellationToken = default)
    {
        var removed = await inner.GarbageCollectAsync(livePodUids, cancellationToken);
        foreach (var uid in removed)
        {
            policy.Forget(uid);
        }

        return removed;
    }

    public Task<bool> CleanupHostAsync(CancellationToken cancellationToken = default) => inner.CleanupHostAsync(cancellationToken);
}
