using Berth.Network.Pods;

namespace Berth.Network.Tests.Support;

/// <summary>A test node with pods that serve "NAME" on :8080, "NAME-8081" on :8081 and a TCP echo on :9000.</summary>
internal sealed class ServicePods : IAsyncDisposable
{
    private readonly List<NetnsProcess> _processes = [];

    private ServicePods(TestNode node, PodNetwork network)
    {
        Node = node;
        Network = network;
    }

    public TestNode Node { get; }

    public PodNetwork Network { get; }

    public Dictionary<string, PodNetworkStatus> Pods { get; } = [];

    public static async Task<ServicePods> StartAsync(string nodeName, params string[] podNames)
    {
        var node = new TestNode(nodeName);
        var sp = new ServicePods(node, node.NewInstance());
        try
        {
            foreach (var name in podNames)
            {
                var s = await sp.Network.SetUpAsync(new PodNetworkRequest("default/" + name, Guid.NewGuid().ToString()));
                sp.Pods[name] = s;
                var ns = Path.GetFileName(s.NetnsPath);
                var www = Path.Combine(node.DataDirectory, "www", name);
                sp._processes.Add(NetnsProcess.StartHttpd(ns, 8080, name, Path.Combine(www, "8080")));
                sp._processes.Add(NetnsProcess.StartHttpd(ns, 8081, name + "-8081", Path.Combine(www, "8081")));
                sp._processes.Add(NetnsProcess.Start(ns, "busybox", "nc", "-ll", "-p", "9000", "-e", "busybox", "cat"));
            }

            foreach (var s in sp.Pods.Values)
            {
                foreach (var port in (int[])[8080, 8081, 9000])
                {
                    await NetnsProcess.WaitForTcpAsync(s.PodIP.ToString(), port, TimeSpan.FromSeconds(10));
                }
            }

            return sp;
        }
        catch
        {
            await sp.DisposeAsync();
            throw;
        }
    }

    public string NetnsOf(string pod) => Path.GetFileName(Pods[pod].NetnsPath);

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            p.Dispose();
        }

        await Node.DisposeAsync();
    }
}
