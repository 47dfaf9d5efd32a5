using System.Text.Json.Nodes;
using Berth.Api.KubeVirt;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;
using Berth.Controllers.KubeVirt;
using Xunit;

namespace Berth.Controllers.Tests.KubeVirt;

/// <summary>The pod contract: what a VMI's pod carries (docs/kubevirt.md).</summary>
[Trait("Tier", "Unit")]
public sealed class VirtLauncherPodTests
{
    private static JsonObject DefaultedFixture(string name)
    {
        var vmi = KubeVirtCluster.Fixture(name);
        var meta = (JsonObject)vmi["metadata"]!;
        meta["namespace"] = "ns1";
        meta["uid"] = "4b7c1e9e-0000-4000-8000-000000000001";
        new VirtualMachineInstanceStrategy().ApplyDefaults(vmi);
        return vmi;
    }

    [Fact]
    public void A_containerDisk_VMI_becomes_one_compute_container_with_the_VM_in_an_annotation()
    {
        var pod = VirtLauncherPod.Build(DefaultedFixture("vmi-nocloud"));
        var name = Json.String(pod, "metadata", "name")!;
        Assert.StartsWith("virt-launcher-vmi-nocloud-", name, StringComparison.Ordinal);
        Assert.Equal(name, VirtLauncherPod.NameFor("vmi-nocloud", "4b7c1e9e-0000-4000-8000-000000000001"));
        Assert.Equal("vm", Json.String(pod, "spec", "runtimeClassName"));
        Assert.Equal("Never", Json.String(pod, "spec", "restartPolicy"));
        Assert.Equal(0, Json.Long(pod, "spec", "terminationGracePeriodSeconds"));
        Assert.Equal("vmi-nocloud", Json.String(pod, "spec", "hostname"));

        var labels = Json.Object(pod, "metadata", "labels")!;
        Assert.Equal("vmi-nocloud", Json.String(labels, "special"));
        Assert.Equal("virt-launcher", Json.String(labels, "kubevirt.io"));
        Assert.Equal("vmi-nocloud", Json.String(labels, "kubevirt.io/domain"));
        Assert.Equal("vmi-nocloud", Json.String(labels, "vm.kubevirt.io/name"));
        Assert.Equal("4b7c1e9e-0000-4000-8000-000000000001", Json.String(labels, "kubevirt.io/created-by"));

        var owner = Assert.Single(Json.Array(pod, "metadata", "ownerReferences")!.OfType<JsonObject>());
        Assert.Equal("""{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","name":"vmi-nocloud","uid":"4b7c1e9e-0000-4000-8000-000000000001","controller":true,"blockOwnerDeletion":true}""",
            owner.ToJsonString());

        var container = Assert.Single(Json.Array(pod, "spec", "containers")!.OfType<JsonObject>());
        Assert.Equal("compute", Json.String(container, "name"));
        Assert.Equal("registry:5000/kubevirt/cirros-container-disk-demo:devel", Json.String(container, "image"));
        Assert.Equal("""{"requests":{"cpu":"100m","memory":"224Mi"}}""", container["resources"]!.ToJsonString());

        var vm = VmPodSpec.Parse(Json.String(pod, "metadata", "annotations", KubeVirtNames.SpecAnnotation)!);
        Assert.Equal(1, vm.Vcpus);
        Assert.Equal(128, vm.MemoryMiB);
        Assert.Equal(new VmPodBoot { Kind = "disk", Disk = "containerdisk" }, vm.Boot);
        Assert.Equal(
        [
            new VmPodDisk { Name = "containerdisk", Source = "containerDisk" },
            new VmPodDisk { Name = "emptydisk", Source = "emptyDisk", CapacityBytes = 2L * 1024 * 1024 * 1024 },
        ], vm.Disks);
        Assert.Equal("#!/bin/sh\n\necho 'printed from cloud-init userdata'\n", vm.CloudInit!.UserData);
        Assert.Null(vm.CloudInit.NetworkData);
        Assert.Equal("bridge", vm.Network!.Binding);
        Assert.Equal("default", vm.Network.Name);
        Assert.Equal("vmi-nocloud", vm.Hostname);
    }

    [Fact]
    public void Masquerade_ports_become_container_ports_and_forwarded_ports()
    {
        var pod = VirtLauncherPod.Build(DefaultedFixture("vmi-masquerade"));
        var container = Json.Array(pod, "spec", "containers")![0]!;
        Assert.Equal("""[{"containerPort":80,"protocol":"TCP","name":"http"}]""", container["ports"]!.ToJsonString());
        var vm = VmPodSpec.Parse(Json.String(pod, "metadata", "annotations", KubeVirtNames.SpecAnnotation)!);
        Assert.Equal("masquerade", vm.Network!.Binding);
        Assert.Equal("testmasquerade", vm.Network.Name);
        Assert.Equal([new VmPodPort { Port = 80, Protocol = "TCP" }], vm.Network.Ports);
        Assert.StartsWith("version: 2", vm.CloudInit!.NetworkData, StringComparison.Ordinal);

        // 1024M is 976.6 MiB: the guest gets 977, the pod requests that plus the overhead.
        Assert.Equal(977, vm.MemoryMiB);
        Assert.Equal("1073Mi", Json.String(container, "resources", "requests", "memory"));
    }

    [Fact]
    public void A_kernel_boot_VMI_carries_the_kernel_image_paths_and_arguments()
    {
        var pod = VirtLauncherPod.Build(DefaultedFixture("vmi-kernel-boot"));
        Assert.Equal("registry:5000/kubevirt/alpine-ext-kernel-boot-demo:devel", Json.String(Json.Array(pod, "spec", "containers")![0], "image"));
        var vm = VmPodSpec.Parse(Json.String(pod, "metadata", "annotations", KubeVirtNames.SpecAnnotation)!);
        Assert.Equal(new VmPodBoot { Kind = "kernel", KernelPath = "/boot/vmlinuz-virt", InitrdPath = "/boot/initramfs-virt", KernelArgs = "console=ttyS0" }, vm.Boot);
        Assert.Empty(vm.Disks);
        Assert.Null(vm.CloudInit);
        Assert.Equal(1024, vm.MemoryMiB);
    }

    [Fact]
    public void CPU_topology_limits_probes_and_claims_reach_the_pod()
    {
        var vmi = (JsonObject)JsonNode.Parse("""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance",
             "metadata":{"name":"big","namespace":"ns1","uid":"u-1","labels":{"app":"web"}},
             "spec":{"domain":{"cpu":{"cores":2,"threads":1,"sockets":1},"memory":{"guest":"256Mi"},
                               "resources":{"requests":{"cpu":"500m"},"limits":{"cpu":"2","memory":"512Mi"}},
                               "devices":{"disks":[{"name":"data","disk":{"bus":"virtio"}},{"name":"root","disk":{"bus":"virtio"},"bootOrder":1}]}},
                     "nodeSelector":{"disk":"ssd"},
                     "readinessProbe":{"httpGet":{"port":80},"periodSeconds":2},
                     "volumes":[{"name":"root","containerDisk":{"image":"examples/vm-containerdisk:latest","imagePullPolicy":"Never"}},
                                {"name":"data","persistentVolumeClaim":{"claimName":"vm-data"}}]}}
            """)!;
        new VirtualMachineInstanceStrategy().ApplyDefaults(vmi);
        Assert.Empty(new VirtualMachineInstanceStrategy().Validate(vmi));
        var pod = VirtLauncherPod.Build(vmi);
        var container = Json.Array(pod, "spec", "containers")![0]!;
        Assert.Equal("Never", Json.String(container, "imagePullPolicy"));
        Assert.Equal("""{"requests":{"cpu":"500m","memory":"352Mi"},"limits":{"cpu":"2","memory":"608Mi"}}""", container["resources"]!.ToJsonString());
        Assert.Equal("""{"httpGet":{"port":80},"periodSeconds":2}""", container["readinessProbe"]!.ToJsonString());
        Assert.Equal("""{"disk":"ssd"}""", pod["spec"]!["nodeSelector"]!.ToJsonString());
        Assert.Equal("""[{"name":"data","persistentVolumeClaim":{"claimName":"vm-data","readOnly":false}}]""", pod["spec"]!["volumes"]!.ToJsonString());
        Assert.Equal("web", Json.String(pod, "metadata", "labels", "app"));

        var vm = VmPodSpec.Parse(Json.String(pod, "metadata", "annotations", KubeVirtNames.SpecAnnotation)!);
        Assert.Equal(2, vm.Vcpus);
        Assert.Equal(256, vm.MemoryMiB);
        Assert.Equal("root", vm.Boot.Disk);
        Assert.Equal(["root", "data"], vm.Disks.Select(d => d.Name));
        Assert.Equal(new VmPodDisk { Name = "data", Source = "persistentVolumeClaim", Volume = "data" }, vm.Disks[1]);
    }

    [Fact]
    public void The_contract_refuses_an_annotation_of_another_version()
    {
        var json = new VmPodSpec { Vcpus = 1, MemoryMiB = 64, Boot = new VmPodBoot { Kind = "disk", Disk = "d" } }.ToJson().Replace("\"version\":1", "\"version\":7", StringComparison.Ordinal);
        var e = Assert.Throws<FormatException>(() => VmPodSpec.Parse(json));
        Assert.Contains("version 7", e.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => VmPodSpec.Parse("not json"));
    }
}
