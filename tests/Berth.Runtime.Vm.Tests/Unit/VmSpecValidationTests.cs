using Berth.Runtime.Vm.Net;

namespace Berth.Runtime.Vm.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class VmSpecValidationTests
{
    private static readonly VmSpec Good = new() { Id = "pod-1.web", Boot = new KernelBoot("/img/vmlinuz", "/img/initrd") };

    [Fact]
    public void A_good_spec_passes()
    {
        VmRuntime.Validate(Good);
        VmRuntime.Validate(Good with { Boot = new DiskBoot(VmDisk.Overlay("root", "/img/disk.qcow2")), Disks = [VmDisk.Empty("scratch", 1 << 20)] });
    }

    public static TheoryData<VmSpec> Bad => new()
    {
        Good with { Id = "Upper" },
        Good with { Id = "" },
        Good with { Id = new string('a', 64) },
        Good with { MemoryMiB = 8 },
        Good with { Vcpus = 0 },
        Good with { Boot = new KernelBoot("relative/vmlinuz") },
        Good with { Disks = [VmDisk.Overlay("d", "relative.qcow2")] },
        Good with { Disks = [VmDisk.Empty("d", 0)] },
        Good with { Disks = [VmDisk.Empty("d", 1), VmDisk.Empty("d", 1)] },
        Good with { Disks = [VmDisk.Empty("cidata", 1)] },
        Good with { Boot = new DiskBoot(VmDisk.Overlay("root", "/a")), Disks = [VmDisk.Direct("root", "/b")] },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void Bad_specs_are_refused_before_anything_is_made(VmSpec spec)
    {
        Assert.Throws<ArgumentException>(() => VmRuntime.Validate(spec));
    }

    [Fact]
    public void Derived_macs_are_stable_unicast_and_locally_administered_where_asked()
    {
        var a = PodNetworkSetup.DerivedMac("pod/vm-1", 0x02);
        Assert.Equal(a, PodNetworkSetup.DerivedMac("pod/vm-1", 0x02));
        Assert.NotEqual(a, PodNetworkSetup.DerivedMac("pod/vm-2", 0x02));
        Assert.Matches("^02(:[0-9a-f]{2}){5}$", a);
        Assert.StartsWith("52:", PodNetworkSetup.DerivedMac("guest/vm-1", 0x52), StringComparison.Ordinal);
    }

    [Fact]
    public void Masquerade_rules_dnat_the_pod_ip_to_the_guest_and_masquerade_its_traffic()
    {
        var net = new VmNetwork { NetnsPath = "/x", PodIp = System.Net.IPAddress.Parse("10.244.0.5"), PrefixLength = 24 };
        var all = PodNetworkSetup.MasqueradeRules(net);
        Assert.Contains("-A BERTH-VM-PRE -i eth0 -d 10.244.0.5/32 -j DNAT --to-destination 10.0.2.2\n", all, StringComparison.Ordinal);
        Assert.Contains("-A BERTH-VM-POST -s 10.0.2.2/32 -o eth0 -j MASQUERADE\n", all, StringComparison.Ordinal);
        Assert.EndsWith("COMMIT\n", all, StringComparison.Ordinal);

        var ports = PodNetworkSetup.MasqueradeRules(net with { ForwardedPorts = [80] });
        Assert.Contains("-p tcp --dport 80 -j DNAT", ports, StringComparison.Ordinal);
        Assert.Contains("-p udp --dport 80 -j DNAT", ports, StringComparison.Ordinal);
        Assert.DoesNotContain("/32 -j DNAT", ports, StringComparison.Ordinal);
    }
}
