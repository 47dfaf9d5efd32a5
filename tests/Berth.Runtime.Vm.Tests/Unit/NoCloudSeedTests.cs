using System.Net;
using Berth.Runtime.Vm.Cloud;

namespace Berth.Runtime.Vm.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class NoCloudSeedTests
{
    private static readonly GuestNetwork Pod = new("52:54:00:AB:CD:EF", IPAddress.Parse("10.244.1.7"), 24, IPAddress.Parse("10.244.1.1"),
        ["10.96.0.10"], ["default.svc.cluster.local", "svc.cluster.local"]);

    [Fact]
    public void Meta_data_names_the_instance_and_the_host()
    {
        Assert.Equal("instance-id: \"vm-1\"\nlocal-hostname: \"web\"\n", NoCloudSeed.MetaData("vm-1", "web"));
        Assert.Equal("instance-id: \"a\\\"b\"\n", NoCloudSeed.MetaData("a\"b", null));
    }

    [Fact]
    public void Network_config_v2_matches_the_nic_by_mac_and_carries_address_route_and_dns()
    {
        var expected = """
            version: 2
            ethernets:
              eth0:
                match:
                  macaddress: "52:54:00:ab:cd:ef"
                set-name: eth0
                addresses:
                  - 10.244.1.7/24
                routes:
                  - to: 0.0.0.0/0
                    via: 10.244.1.1
                nameservers:
                  addresses: [10.96.0.10]
                  search: [default.svc.cluster.local, svc.cluster.local]

            """.Replace("\r", "", StringComparison.Ordinal);
        Assert.Equal(expected, NoCloudSeed.NetworkConfig(Pod));
    }

    [Fact]
    public void Network_config_for_ipv6_uses_the_v6_default_route_and_omits_what_is_unknown()
    {
        var v6 = new GuestNetwork("02:00:00:00:00:01", IPAddress.Parse("fd10::2"), 120, IPAddress.Parse("fd10::1"), [], [], 1400);
        var text = NoCloudSeed.NetworkConfig(v6);
        Assert.Contains("    set-name: eth0\n    mtu: 1400\n", text, StringComparison.Ordinal);
        Assert.Contains("- fd10::2/120\n", text, StringComparison.Ordinal);
        Assert.Contains("- to: ::/0\n        via: fd10::1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("nameservers", text, StringComparison.Ordinal);
        var noGateway = NoCloudSeed.NetworkConfig(v6 with { Gateway = null });
        Assert.DoesNotContain("routes", noGateway, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_generate_what_the_user_left_out_and_keep_what_they_gave()
    {
        var generated = NoCloudSeed.Files("vm-1", "web", null, Pod);
        Assert.Equal(["meta-data", "network-config"], generated.Keys);
        Assert.Contains("local-hostname: \"web\"", generated["meta-data"], StringComparison.Ordinal);

        var user = NoCloudSeed.Files("vm-1", null, new CloudInitSeed("#!/bin/sh\necho hi\n", "instance-id: mine\n", "version: 1\nconfig: []\n"), Pod);
        Assert.Equal(["meta-data", "network-config", "user-data"], user.Keys);
        Assert.Equal("instance-id: mine\n", user["meta-data"]);
        Assert.Equal("version: 1\nconfig: []\n", user["network-config"]);
        Assert.Equal("#!/bin/sh\necho hi\n", user["user-data"]);

        var noNetwork = NoCloudSeed.Files("vm-1", null, new CloudInitSeed("#!/bin/sh\n"), null);
        Assert.Equal(["meta-data", "user-data"], noNetwork.Keys);
        Assert.Contains("local-hostname: \"vm-1\"", noNetwork["meta-data"], StringComparison.Ordinal);
    }
}
