using System.Net;
using Berth.Runtime.Vm.Cloud;
using Berth.Runtime.Vm.Tests.Support;

namespace Berth.Runtime.Vm.Tests.Integration;

/// <summary>The example guest's network-config parser (busybox awk), fed what the runtime generates and the common cloud-init forms.</summary>
[Trait("Tier", "Integration")]
public sealed class GuestNetconfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bt-netcfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Plan(string yaml)
    {
        var file = Path.Combine(_dir, "network-config");
        File.WriteAllText(file, yaml);
        return Sh.Run("busybox", "awk", "-f", Path.Combine(RepoRoot.Path, "examples/vm/guest/usr/lib/berth/netconfig.awk"), file);
    }

    [Fact]
    public void Reads_the_network_config_the_runtime_generates()
    {
        var yaml = NoCloudSeed.NetworkConfig(new GuestNetwork("52:54:00:AB:CD:EF", IPAddress.Parse("10.244.1.7"), 24, IPAddress.Parse("10.244.1.1"), ["10.96.0.10"], ["default.svc.cluster.local"], 1450));
        Assert.Equal("""
            iface eth0
            mac eth0 52:54:00:ab:cd:ef
            name eth0 eth0
            mtu eth0 1450
            addr eth0 10.244.1.7/24
            gw eth0 10.244.1.1
            dns 10.96.0.10
            search default.svc.cluster.local

            """, Plan(yaml));
    }

    [Fact]
    public void Reads_kubevirt_style_v2_with_flow_lists_dhcp_and_ipv6_routes()
    {
        Assert.Equal("""
            iface eth0
            addr eth0 fd10:0:2::2/120
            dhcp4 eth0
            gw eth0 fd10:0:2::1

            """, Plan("""
            version: 2
            ethernets:
              eth0:
                addresses: [ fd10:0:2::2/120 ]
                dhcp4: true
                routes:
                - to: ::/0
                  via: fd10:0:2::1
            """));
    }

    [Fact]
    public void Reads_v1_with_netmask_gateway_and_nameservers()
    {
        Assert.Equal("""
            iface cfg0
            mac cfg0 52:54:00:12:34:00
            name cfg0 eth0
            addr cfg0 192.168.1.10/24
            gw cfg0 192.168.1.1
            dns 8.8.8.8

            """, Plan("""
            version: 1
            config:
              - type: physical
                name: eth0
                mac_address: "52:54:00:12:34:00"
                subnets:
                  - type: static
                    address: 192.168.1.10
                    netmask: 255.255.255.0
                    gateway: 192.168.1.1
              - type: nameserver
                address: [8.8.8.8]
            """));
    }
}
