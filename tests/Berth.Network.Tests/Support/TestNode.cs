using System.Net;
using Berth.Network.Host;
using Berth.Network.Pods;

namespace Berth.Network.Tests.Support;

/// <summary>
/// A throw-away pod network: its own data directory, a <c>bt-</c> bridge, <c>bt-</c> netns names and a pod CIDR
/// of its own (10.250.N.0/24), so it never meets a real node's <c>berth0</c>.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    private static int _next;

    public TestNode(string name)
    {
        var n = Interlocked.Increment(ref _next) + (Environment.ProcessId % 50 * 4);
        DataDirectory = Directory.CreateTempSubdirectory("bt-net-").FullName;
        Options = new PodNetworkOptions
        {
            DataDirectory = DataDirectory,
            BridgeName = $"bt-{name}",
            NetnsPrefix = $"bt-{name}-",
            NetworkName = $"bt-{name}",
            PodCidr = IPNetwork.Parse($"10.250.{n % 250}.0/24"),
        };
    }

    public string DataDirectory { get; }

    public PodNetworkOptions Options { get; }

    public PodNetwork NewInstance() => new(Options);

    /// <summary>Tears down every pod this node still has, then the bridge and shared chains.</summary>
    public async ValueTask DisposeAsync()
    {
        var net = NewInstance();
        foreach (var p in await net.ListAsync())
        {
            await net.TearDownAsync(p.PodUid);
        }

        foreach (var f in Directory.Exists(Options.StateDirectory) ? Directory.GetFiles(Options.StateDirectory, "*.json") : [])
        {
            await net.TearDownAsync(Path.GetFileNameWithoutExtension(f));
        }

        await net.CleanupHostAsync();
        foreach (var ns in NetworkNamespaces.List(Options.NetnsPrefix))
        {
            await NetworkNamespaces.DeleteAsync(ns);
        }

        Directory.Delete(DataDirectory, recursive: true);
    }
}
