using System.Net;

namespace Berth.Bench.Scenarios;

/// <summary>A stand-in pod network: netns <c>bt-vb-XXXX</c> with eth0 = one end of a veth whose host end holds the gateway.</summary>
internal sealed class VmBootPodNetns : IDisposable
{
    private VmBootPodNetns(string tag, int subnet)
    {
        Name = "bt-vb-" + tag;
        HostLink = "bt-b" + tag;
        PodIp = IPAddress.Parse($"10.252.{subnet}.2");
        Gateway = IPAddress.Parse($"10.252.{subnet}.1");
    }

    public string Name { get; }

    public string HostLink { get; }

    public string NetnsPath => "/var/run/netns/" + Name;

    public IPAddress PodIp { get; }

    public IPAddress Gateway { get; }

    public static VmBootPodNetns Create()
    {
        var used = VmBootShell.Run("ip", "-o", "-4", "addr", "show");
        int subnet;
        do
        {
            subnet = Random.Shared.Next(1, 250);
        }
        while (used.Contains($" 10.252.{subnet}.", StringComparison.Ordinal));

        var n = new VmBootPodNetns(Guid.NewGuid().ToString("N")[..6], subnet);
        try
        {
            VmBootShell.Run("ip", "netns", "add", n.Name);
            VmBootShell.Run("ip", "link", "add", n.HostLink, "type", "veth", "peer", "name", "eth0", "netns", n.Name);
            VmBootShell.Run("ip", "addr", "add", $"{n.Gateway}/24", "dev", n.HostLink);
            VmBootShell.Run("ip", "link", "set", n.HostLink, "up");
            VmBootShell.Run("ip", "-n", n.Name, "link", "set", "lo", "up");
            VmBootShell.Run("ip", "-n", n.Name, "addr", "add", $"{n.PodIp}/24", "dev", "eth0");
            VmBootShell.Run("ip", "-n", n.Name, "link", "set", "eth0", "up");
            VmBootShell.Run("ip", "-n", n.Name, "route", "add", "default", "via", n.Gateway.ToString());
            return n;
        }
        catch
        {
            n.Dispose();
            throw;
        }
    }

    public Berth.Runtime.Vm.VmNetwork ToVmNetwork(Berth.Runtime.Vm.VmNetworkMode mode) => new()
    {
        NetnsPath = NetnsPath,
        PodIp = PodIp,
        PrefixLength = 24,
        Gateway = Gateway,
        Mode = mode,
    };

    public void Dispose()
    {
        VmBootShell.Try("ip", "netns", "del", Name);
        VmBootShell.Try("ip", "link", "del", HostLink);
    }
}
