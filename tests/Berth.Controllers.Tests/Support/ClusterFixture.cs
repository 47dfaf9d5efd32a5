using Xunit;

namespace Berth.Controllers.Tests.Support;

/// <summary>One <see cref="TestCluster"/> per test class, with one KWOK node <c>bt-node-1</c> (its Lease renewed).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync();
        await Cluster.AddNodeAsync("bt-node-1");
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
