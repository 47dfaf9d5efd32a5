using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;
using Xunit;

namespace Berth.Controllers.Tests.KubeVirt;

/// <summary>The KubeVirt whitelist: the shared fixtures pass as they are; every unsupported field is refused by name.</summary>
[Trait("Tier", "Unit")]
public sealed class VmiValidationTests
{
    private static readonly VirtualMachineInstanceStrategy VmiStrategy = new();
    private static readonly VirtualMachineStrategy VmStrategy = new();
    private static readonly VirtualMachineInstanceReplicaSetStrategy SetStrategy = new();

    public static TheoryData<string> Fixtures() => [.. KubeVirtCluster.FixtureNames()];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_shared_fixture_is_valid_as_it_is(string fixture)
    {
        var obj = KubeVirtCluster.Fixture(fixture);
        IResourceStrategy strategy = Json.String(obj, "kind") switch
        {
            "VirtualMachineInstance" => VmiStrategy,
            "VirtualMachine" => VmStrategy,
            "VirtualMachineInstanceReplicaSet" => SetStrategy,
            var kind => throw new InvalidOperationException($"fixture {fixture} has kind {kind}"),
        };
        ((JsonObject)obj["metadata"]!)["namespace"] = "default";
        strategy.ApplyDefaults(obj);
        Assert.Empty(strategy.Validate(obj));
    }

    /// <summary>A small valid VMI: a containerDisk, 64Mi.</summary>
    private static JsonObject Vmi() => (JsonObject)JsonNode.Parse("""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"v","namespace":"default"},
         "spec":{"domain":{"devices":{"disks":[{"name":"root","disk":{"bus":"virtio"}}]},"memory":{"guest":"64Mi"}},
                 "volumes":[{"name":"root","containerDisk":{"image":"examples/vm-containerdisk:latest"}}]}}
        """)!;

    public static TheoryData<string, string, string> Refused() => new()
    {
        // path to set (JSON pointer below spec), JSON value, the field the 422 must name
        { "/domain/devices/disks/0/cdrom", """{"bus":"sata"}""", "spec.domain.devices.disks[0].cdrom" },
        { "/domain/devices/disks/0/lun", "{}", "spec.domain.devices.disks[0].lun" },
        { "/domain/devices/disks/0/disk/bus", "\"sata\"", "spec.domain.devices.disks[0].disk.bus" },
        { "/domain/devices/disks/0/cache", "\"none\"", "spec.domain.devices.disks[0].cache" },
        { "/domain/devices/interfaces", """[{"name":"n","sriov":{}}]""", "spec.domain.devices.interfaces[0].sriov" },
        { "/domain/devices/interfaces", """[{"name":"n","slirp":{}}]""", "spec.domain.devices.interfaces[0].slirp" },
        { "/domain/devices/interfaces", """[{"name":"n","bridge":{},"macAddress":"02:00:00:00:00:01"}]""", "spec.domain.devices.interfaces[0].macAddress" },
        { "/domain/devices/interfaces", """[{"name":"n","bridge":{},"ports":[{"port":80}]}]""", "spec.domain.devices.interfaces[0].ports" },
        { "/networks", """[{"name":"n","multus":{"networkName":"x"}}]""", "spec.networks[0].multus" },
        { "/networks", """[{"name":"n","pod":{"vmNetworkCIDR":"10.1.0.0/24"}}]""", "spec.networks[0].pod.vmNetworkCIDR" },
        { "/volumes/1", """{"name":"d","dataVolume":{"name":"dv"}}""", "spec.volumes[1].dataVolume" },
        { "/volumes/1", """{"name":"d","hostDisk":{"path":"/x","type":"Disk"}}""", "spec.volumes[1].hostDisk" },
        { "/volumes/1", """{"name":"d","configMap":{"name":"c"}}""", "spec.volumes[1].configMap" },
        { "/volumes/1", """{"name":"ci","cloudInitNoCloud":{"secretRef":{"name":"s"}}}""", "spec.volumes[1].cloudInitNoCloud.secretRef" },
        { "/volumes/1", """{"name":"ci","cloudInitConfigDrive":{"userData":"x"}}""", "spec.volumes[1].cloudInitConfigDrive" },
        { "/volumes/1", """{"name":"d2","containerDisk":{"image":"other:1"}}""", "spec.volumes[1].containerDisk.image" },
        { "/volumes/0/containerDisk/imagePullSecret", "\"creds\"", "spec.volumes[0].containerDisk.imagePullSecret" },
        { "/domain/clock", """{"utc":{}}""", "spec.domain.clock" },
        { "/domain/cpu", """{"cores":2,"model":"host-passthrough"}""", "spec.domain.cpu.model" },
        { "/domain/cpu", """{"dedicatedCpuPlacement":true}""", "spec.domain.cpu.dedicatedCpuPlacement" },
        { "/domain/memory/hugepages", """{"pageSize":"2Mi"}""", "spec.domain.memory.hugepages" },
        { "/domain/resources/requests", """{"memory":"64Mi","nvidia.com/gpu":"1"}""", "spec.domain.resources.requests.nvidia.com/gpu" },
        { "/domain/firmware", """{"bootloader":{"efi":{}}}""", "spec.domain.firmware.bootloader.efi" },
        { "/domain/features", """{"hyperv":{}}""", "spec.domain.features.hyperv" },
        { "/domain/features", """{"acpi":{"enabled":false}}""", "spec.domain.features.acpi.enabled" },
        { "/domain/devices/gpus", """[{"name":"g","deviceName":"x"}]""", "spec.domain.devices.gpus" },
        { "/domain/devices/autoattachSerialConsole", "false", "spec.domain.devices.autoattachSerialConsole" },
        { "/domain/devices/networkInterfaceMultiqueue", "true", "spec.domain.devices.networkInterfaceMultiqueue" },
        { "/domain/somethingNew", "{}", "spec.domain.somethingNew" },
        { "/startStrategy", "\"Paused\"", "spec.startStrategy" },
        { "/evictionStrategy", "\"LiveMigrate\"", "spec.evictionStrategy" },
        { "/accessCredentials", """[{"sshPublicKey":{}}]""", "spec.accessCredentials" },
        { "/livenessProbe", """{"exec":{"command":["true"]}}""", "spec.livenessProbe.exec" },
        { "/architecture", "\"arm64\"", "spec.architecture" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void An_unsupported_field_is_refused_by_name(string pointer, string json, string field)
    {
        var vmi = Vmi();
        Set((JsonObject)vmi["spec"]!, pointer, JsonNode.Parse(json));
        VmiStrategy.ApplyDefaults(vmi);
        var causes = VmiStrategy.Validate(vmi);
        Assert.Contains(causes, c => c.Field == field);
    }

    [Fact]
    public void A_refusal_says_it_is_Berth_that_does_not_support_the_field_and_what_to_do()
    {
        var vmi = Vmi();
        Set((JsonObject)vmi["spec"]!, "/domain/devices/disks/0/cdrom", JsonNode.Parse("{}"));
        var cause = Assert.Single(VmiStrategy.Validate(vmi), c => c.Field == "spec.domain.devices.disks[0].cdrom");
        Assert.Equal("FieldValueForbidden", cause.Reason);
        Assert.Equal("Forbidden: not supported by Berth: a disk must be `disk: {bus: virtio}`", cause.Message);
    }

    [Fact]
    public void A_VM_template_is_checked_at_its_own_path()
    {
        var vm = KubeVirtCluster.Fixture("vm-cirros");
        Set((JsonObject)vm["spec"]!, "/template/spec/domain/devices/disks/0/cdrom", JsonNode.Parse("{}"));
        Set((JsonObject)vm["spec"]!, "/instancetype", JsonNode.Parse("""{"name":"u1.small"}"""));
        var fields = VmStrategy.Validate(vm).Select(c => c.Field).ToList();
        Assert.Contains("spec.template.spec.domain.devices.disks[0].cdrom", fields);
        Assert.Contains("spec.instancetype", fields);
    }

    [Fact]
    public void A_VMI_needs_memory_and_an_image()
    {
        var vmi = Vmi();
        ((JsonObject)vmi["spec"]!["domain"]!).Remove("memory");
        ((JsonObject)vmi["spec"]!).Remove("volumes");
        ((JsonObject)vmi["spec"]!["domain"]!["devices"]!).Remove("disks");
        var fields = VmiStrategy.Validate(vmi).Select(c => c.Field).ToList();
        Assert.Contains("spec.domain.memory.guest", fields);
        Assert.Contains("spec.volumes", fields);
    }

    [Fact]
    public void A_disk_must_name_a_volume_and_an_interface_a_network()
    {
        var vmi = Vmi();
        Set((JsonObject)vmi["spec"]!, "/domain/devices/disks/0/name", JsonValue.Create("nothere"));
        Set((JsonObject)vmi["spec"]!, "/domain/devices/interfaces", JsonNode.Parse("""[{"name":"a","bridge":{}}]"""));
        Set((JsonObject)vmi["spec"]!, "/networks", JsonNode.Parse("""[{"name":"b","pod":{}}]"""));
        var fields = VmiStrategy.Validate(vmi).Select(c => c.Field).ToList();
        Assert.Contains("spec.domain.devices.disks[0].name", fields);
        Assert.Contains("spec.domain.devices.interfaces[0].name", fields);
    }

    [Fact]
    public void The_spec_of_a_VMI_cannot_change()
    {
        var old = Vmi();
        var updated = Vmi();
        Set((JsonObject)updated["spec"]!, "/domain/memory/guest", JsonValue.Create("128Mi"));
        var cause = Assert.Single(VmiStrategy.ValidateUpdate(updated, old));
        Assert.Equal("spec", cause.Field);
        Assert.Contains("update of VMI object is restricted", cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_add_the_pod_network_disks_for_volumes_and_the_memory_request()
    {
        var vmi = KubeVirtCluster.Fixture("vmi-kernel-boot");
        VmiStrategy.ApplyDefaults(vmi);
        Assert.Equal("""[{"name":"default","bridge":{}}]""", vmi["spec"]!["domain"]!["devices"]!["interfaces"]!.ToJsonString());
        Assert.Equal("""[{"name":"default","pod":{}}]""", vmi["spec"]!["networks"]!.ToJsonString());
        Assert.Equal("1Gi", Json.String(vmi, "spec", "domain", "resources", "requests", "memory"));
        Assert.Equal(0, Json.Long(vmi, "spec", "terminationGracePeriodSeconds"));

        var nocloud = Vmi();
        ((JsonObject)nocloud["spec"]!["domain"]!["devices"]!).Remove("disks");
        ((JsonArray)nocloud["spec"]!["volumes"]!).Add(JsonNode.Parse("""{"name":"ci","cloudInitNoCloud":{"userData":"#!/bin/sh\n"}}"""));
        VmiStrategy.ApplyDefaults(nocloud);
        Assert.Equal("""[{"name":"root","disk":{"bus":"virtio"}},{"name":"ci","disk":{"bus":"virtio"}}]""",
            nocloud["spec"]!["domain"]!["devices"]!["disks"]!.ToJsonString());
        Assert.Equal(180, Json.Long(nocloud, "spec", "terminationGracePeriodSeconds"));
    }

    private static void Set(JsonObject root, string pointer, JsonNode? value)
    {
        var parts = pointer.Trim('/').Split('/');
        JsonNode node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            var next = node is JsonArray a ? a[int.Parse(parts[i], System.Globalization.CultureInfo.InvariantCulture)] : node[parts[i]];
            if (next is null)
            {
                next = new JsonObject();
                ((JsonObject)node)[parts[i]] = next;
            }

            node = next;
        }

        var last = parts[^1];
        if (node is JsonArray array)
        {
            var index = int.Parse(last, System.Globalization.CultureInfo.InvariantCulture);
            if (index < array.Count)
            {
                array[index] = value;
            }
            else
            {
                array.Add(value);
            }
        }
        else
        {
            ((JsonObject)node)[last] = value;
        }
    }
}
