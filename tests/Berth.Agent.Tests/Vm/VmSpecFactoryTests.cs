using System.Net;
using Berth.Agent.Pods;
using Berth.Agent.Tests.Pods;
using Berth.Agent.Vm;
using Berth.Api.KubeVirt;
using Berth.Network.Pods;
using Berth.Runtime.Vm;
using Xunit;

namespace Berth.Agent.Tests.Vm;

/// <summary>VM pods (hand-written, and made from VMIs through the pod contract) turned into the VM runtime's spec.</summary>
[Trait("Tier", "Unit")]
public sealed class VmSpecFactoryTests
{
    private const string Uid = "0b5c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3";
    private static readonly VmSpecFactory.Dns Dns = new(["10.244.0.1"], ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"]);

    private static readonly ImageFiles KernelImage = new(["/L0"], new FakeLayers().File("/L0/boot/vmlinuz").File("/L0/boot/initrd"));
    private static readonly ImageFiles DiskImage = new(["/L0"], new FakeLayers().File("/L0/disk/disk.qcow2"));

    private static PodSandboxInfo Sandbox(bool hostNetwork = false) => new()
    {
        NetnsPath = hostNetwork ? null : "/var/run/netns/berth-x",
        Hostname = "vm",
        PodIP = "10.244.0.7",
        Network = hostNetwork ? null : new PodNetworkStatus("default/vm", Uid, "/var/run/netns/berth-x", IPAddress.Parse("10.244.0.7"), 24, IPAddress.Parse("10.244.0.1"), "eth0", []),
    };

    private static k8s.Models.V1Pod Pod(string container, string annotations = "{}", string extra = "") => PodFixtures.Pod($$$"""
        {"metadata": {"name": "vm", "namespace": "default", "uid": "{{{Uid}}}", "annotations": {{{annotations}}}},
         "spec": {"runtimeClassName": "vm", {{{extra}}} "containers": [{{{container}}}]}}
        """);

    private static VmSpec Build(k8s.Models.V1Pod pod, ImageFiles image, PodSandboxInfo? sandbox = null) =>
        VmSpecFactory.Build(pod, pod.Spec.Containers[0], image, pod.Spec.Containers[0].Image, sandbox ?? Sandbox(), "/logs/vm/0.log", Dns);

    [Fact]
    public void A_plain_kernel_boot_pod_takes_its_size_from_limits_and_its_seed_from_annotations()
    {
        var pod = Pod("""{"name": "vm", "image": "kb:1", "resources": {"limits": {"cpu": "1500m", "memory": "300Mi"}, "requests": {"cpu": "100m", "memory": "64Mi"}}}""",
            """{"vm.berth.dev/user-data": "#!/bin/sh\necho hi", "vm.berth.dev/kernel-args": "console=ttyS0 quiet"}""");
        var spec = Build(pod, KernelImage);
        Assert.Equal(Uid, spec.Id);
        Assert.Equal(new KernelBoot("/L0/boot/vmlinuz", "/L0/boot/initrd", "console=ttyS0 quiet"), spec.Boot);
        Assert.Equal((2, 300), (spec.Vcpus, spec.MemoryMiB));
        Assert.Equal(new CloudInitSeed("#!/bin/sh\necho hi"), spec.CloudInit);
        Assert.Equal("/berth/pod" + Uid, spec.CgroupParent);
        Assert.Equal("/logs/vm/0.log", spec.ConsoleLogPath);
        Assert.Equal("vm", spec.Hostname);
        var net = spec.Network!;
        Assert.Equal(("/var/run/netns/berth-x", "10.244.0.7", 24, "10.244.0.1", VmNetworkMode.Bridge), (net.NetnsPath, net.PodIp.ToString(), net.PrefixLength, net.Gateway!.ToString(), net.Mode));
        Assert.Equal(["10.244.0.1"], net.DnsServers);
        Assert.Equal("default.svc.cluster.local", net.DnsSearches[0]);
    }

    [Theory]
    [InlineData("""{"requests": {"cpu": "2", "memory": "1Gi"}}""", 2, 1024)]
    [InlineData("""{"requests": {"cpu": "100m"}}""", 1, VmSpecFactory.DefaultMemoryMiB)]
    [InlineData("{}", 1, VmSpecFactory.DefaultMemoryMiB)]
    [InlineData("""{"limits": {"memory": "1000M"}}""", 1, 954)]
    public void Requests_then_defaults_size_a_plain_VM(string resources, int vcpus, int memory)
    {
        var spec = Build(Pod($$"""{"name": "vm", "image": "kb:1", "resources": {{resources}}}"""), KernelImage);
        Assert.Equal((vcpus, memory), (spec.Vcpus, spec.MemoryMiB));
    }

    [Fact]
    public void A_plain_containerDisk_pod_boots_the_one_disk_behind_an_overlay_and_masquerades_its_ports()
    {
        var pod = Pod("""{"name": "vm", "image": "cd:1", "ports": [{"containerPort": 80}, {"containerPort": 22}]}""", """{"vm.berth.dev/network": "masquerade"}""");
        var spec = Build(pod, DiskImage);
        Assert.Equal(new DiskBoot(VmDisk.Overlay("containerdisk", "/L0/disk/disk.qcow2")), spec.Boot);
        Assert.Null(spec.CloudInit);
        Assert.Equal(VmNetworkMode.Masquerade, spec.Network!.Mode);
        Assert.Equal([80, 22], spec.Network.ForwardedPorts);
    }

    [Fact]
    public void An_image_that_is_no_VM_image_says_what_it_lacks()
    {
        var e = Assert.Throws<ContainerCreateException>(() => Build(Pod("""{"name": "vm", "image": "busybox:1"}"""), new ImageFiles(["/L0"], new FakeLayers().File("/L0/bin/sh"))));
        Assert.Equal("image \"busybox:1\" is not a VM image: it has no disk file under /disk/ (containerDisk) and no kernel at /boot/vmlinuz (kernel boot)", e.Message);
        var two = new ImageFiles(["/L0"], new FakeLayers().File("/L0/disk/a.img").File("/L0/disk/b.img"));
        Assert.Contains("has 2 files under /disk/ (a.img, b.img)", Assert.Throws<ContainerCreateException>(() => Build(Pod("""{"name": "vm", "image": "cd:1"}"""), two)).Message);
    }

    [Theory]
    [InlineData("""{"name": "a", "image": "kb:1"}, {"name": "b", "image": "kb:1"}""", "", "exactly one container")]
    [InlineData("""{"name": "a", "image": "kb:1"}""", "\"hostNetwork\": true,", "cannot use hostNetwork")]
    [InlineData("""{"name": "a", "image": "kb:1"}""", "\"initContainers\": [{\"name\": \"i\", \"image\": \"kb:1\"}],", "exactly one container")]
    public void Pods_a_VM_cannot_be_made_of_are_config_errors(string containers, string extra, string message)
    {
        var pod = Pod(containers, extra: extra);
        var e = Assert.Throws<ContainerConfigException>(() => Build(pod, KernelImage, Sandbox(hostNetwork: extra.Contains("hostNetwork", StringComparison.Ordinal))));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_KubeVirt_contract_decides_boot_disks_size_seed_and_binding()
    {
        var contract = new VmPodSpec
        {
            Vcpus = 2,
            MemoryMiB = 128,
            Boot = new VmPodBoot { Kind = VmPodBoot.DiskKind, Disk = "containerdisk" },
            Disks =
            [
                new VmPodDisk { Name = "containerdisk", Source = VmPodDisk.ContainerDiskSource },
                new VmPodDisk { Name = "a-rather-long-emptydisk-name", Source = VmPodDisk.EmptyDiskSource, CapacityBytes = 1 << 30 },
            ],
            CloudInit = new VmPodCloudInit { UserData = "#!/bin/sh\n", NetworkData = "version: 2\n" },
            Network = new VmPodNetwork { Name = "default", Binding = VmPodNetwork.MasqueradeBinding, Ports = [new VmPodPort { Port = 8080 }] },
            Hostname = "vmi-nocloud",
        };
        var annotations = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { [KubeVirtNames.SpecAnnotation] = contract.ToJson(), [VmPodAnnotations.UserData] = "ignored" });
        var pod = Pod("""{"name": "compute", "image": "cd:1", "resources": {"requests": {"memory": "224Mi"}}}""", annotations);
        var spec = Build(pod, DiskImage);
        Assert.Equal((2, 128), (spec.Vcpus, spec.MemoryMiB));
        Assert.Equal(new DiskBoot(VmDisk.Overlay("containerdisk", "/L0/disk/disk.qcow2")), spec.Boot);
        Assert.Equal([VmDisk.Empty("a-rather-long-emptyd", 1 << 30)], spec.Disks);
        Assert.Equal(new CloudInitSeed("#!/bin/sh\n", null, "version: 2\n"), spec.CloudInit);
        Assert.Equal((VmNetworkMode.Masquerade, 8080), (spec.Network!.Mode, spec.Network.ForwardedPorts.Single()));
        Assert.Equal("vmi-nocloud", spec.Hostname);
    }

    [Fact]
    public void A_kernel_boot_contract_uses_its_paths_and_a_missing_one_is_named()
    {
        var contract = new VmPodSpec
        {
            Vcpus = 1,
            MemoryMiB = 1024,
            Boot = new VmPodBoot { Kind = VmPodBoot.KernelKind, KernelPath = "/boot/vmlinuz-virt", InitrdPath = "/boot/initramfs-virt", KernelArgs = "console=ttyS0" },
            Network = new VmPodNetwork { Name = "default", Binding = VmPodNetwork.BridgeBinding },
        };
        var annotations = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { [KubeVirtNames.SpecAnnotation] = contract.ToJson() });
        var pod = Pod("""{"name": "compute", "image": "kb:1"}""", annotations);
        var image = new ImageFiles(["/L0"], new FakeLayers().File("/L0/boot/vmlinuz-virt").File("/L0/boot/initramfs-virt"));
        Assert.Equal(new KernelBoot("/L0/boot/vmlinuz-virt", "/L0/boot/initramfs-virt", "console=ttyS0"), Build(pod, image).Boot);
        Assert.Equal("image \"kb:1\" has no kernel at /boot/vmlinuz-virt", Assert.Throws<ContainerCreateException>(() => Build(pod, KernelImage)).Message);

        var noNic = contract with { Network = null };
        var pod2 = Pod("""{"name": "compute", "image": "kb:1"}""", System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { [KubeVirtNames.SpecAnnotation] = noNic.ToJson() }));
        Assert.Null(Build(pod2, image).Network);
    }

    [Fact]
    public void A_claim_disk_is_disk_img_in_its_volume_and_a_bad_contract_is_a_config_error()
    {
        var contract = new VmPodSpec
        {
            Vcpus = 1,
            MemoryMiB = 128,
            Boot = new VmPodBoot { Kind = VmPodBoot.DiskKind, Disk = "containerdisk" },
            Disks = [new VmPodDisk { Name = "containerdisk", Source = VmPodDisk.ContainerDiskSource }, new VmPodDisk { Name = "data", Source = VmPodDisk.PersistentVolumeClaimSource, Volume = "data", ReadOnly = true }],
        };
        var pod = Pod("""{"name": "compute", "image": "cd:1"}""", System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { [KubeVirtNames.SpecAnnotation] = contract.ToJson() }));
        var claims = new Dictionary<string, ClaimDisk> { ["data"] = new("data-claim", "/var/lib/berth/volumes/pvc-1", 1 << 30) };
        var spec = VmSpecFactory.Build(pod, pod.Spec.Containers[0], DiskImage, "cd:1", Sandbox(), "/l", Dns, claims);
        Assert.Equal([VmDisk.Direct("data", "/var/lib/berth/volumes/pvc-1/disk.img", readOnly: true)], spec.Disks);
        Assert.Contains("was not resolved", Assert.Throws<ContainerConfigException>(() => Build(pod, DiskImage)).Message, StringComparison.Ordinal);

        var bad = Pod("""{"name": "compute", "image": "cd:1"}""", """{"vm.berth.dev/spec": "{\"version\": 2, \"vcpus\": 1, \"memoryMiB\": 1, \"boot\": {\"kind\": \"disk\"}}"}""");
        Assert.Contains("has version 2; this agent knows version 1", Assert.Throws<ContainerConfigException>(() => Build(bad, DiskImage)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disk_names_fit_the_runtime_and_stay_unique()
    {
        var names = new VmSpecFactory.DiskNames();
        Assert.Equal("containerdisk", names.For("containerdisk"));
        Assert.Equal("cidata-1", names.For("cidata"));
        Assert.Equal("abcdefghijklmnopqrst", names.For("abcdefghijklmnopqrstuvwxyz"));
        Assert.Equal("abcdefghijklmnopqr-1", names.For("abcdefghijklmnopqrstuvwxyz0"));
        Assert.Equal("my-disk", names.For("My.Disk"));
    }
}
