using System.Net;

namespace Berth.Runtime.Vm.Tests.Support;

/// <summary>
/// A stand-in for a pod network: a namespace <c>bt-vm-XXXX</c> whose eth0 is one end of a veth
/// pair; the other end (<c>bt-vXXXX</c>) stays on the host with the gateway address, so the
/// host reaches the pod IP directly, as with the CNI bridge plugin.
/// </summary>
public sealed class TestPodNetwork : IDisposable
{
    private TestPodNetwork(string name, string hostLink, int subnet)
    {
        Name = name;
        HostLink = hostLink;
        PodIp = IPAddress.Parse($"10.251.{subnet}.2");
        Gateway = IPAddress.Parse($"10.251.{subnet}.1");
    }

    public string Name { get; }

    public string HostLink { get; }

    public string NetnsPath => "/var/run/netns/" + Name;

    public IPAddress PodIp { get; }

    public IPAddress Gateway { get; }

    public static TestPodNetwork Create()
    {
        var used = Sh.Run("ip", "-o", "-4", "addr", "show");
        for (var attempt = 0; ; attempt++)
        {
            var subnet = Random.Shared.Next(1, 250);
            if (used.Contains($" 10.251.{subnet}.", StringComparison.Ordinal) && attempt < 20)
            {
                continue;
            }

            var tag = Guid.NewGuid().ToString("N")[..6];
            var net = new TestPodNetwork("bt-vm-" + tag, "bt-v" + tag, subnet);
            try
            {
                Sh.Run("ip", "netns", "add", net.Name);
                Sh.Run("ip", "link", "add", net.HostLink, "type", "veth", "peer", "name", "eth0", "netns", net.Name);
                Sh.Run("ip", "addr", "add", $"{net.Gateway}/24", "dev", net.HostLink);
                Sh.Run("ip", "link", "set", net.HostLink, "up");
                Sh.Run("ip", "-n", net.Name, "link", "set", "lo", "up");
                Sh.Run("ip", "-n", net.Name, "addr", "add", $"{net.PodIp}/24", "dev", "eth0");
                Sh.Run("ip", "-n", net.Name, "link", "set", "eth0", "up");
                Sh.Run("ip", "-n", net.Name, "route", "add", "default", "via", net.Gateway.ToString());
                return net;
            }
            catch
            {
                net.Dispose();
                throw;
            }
        }
    }

    public VmNetwork ToVmNetwork(VmNetworkMode mode = VmNetworkMode.Bridge) => new()
    {
        NetnsPath = NetnsPath,
        PodIp = PodIp,
        PrefixLength = 24,
        Gateway = Gateway,
        Mode = mode,
        DnsServers = ["10.96.0.10"],
        DnsSearches = ["default.svc.cluster.local"],
    };

    public void Dispose()
    {
        Sh.Try("ip", "netns", "del", Name);
        Sh.Try("ip", "link", "del", HostLink);
    }
}
