using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Api.KubeVirt;

/// <summary>
/// The VirtualMachineInstance spec Berth runs (kubevirt.io/v1 <c>VirtualMachineInstanceSpec</c>), checked as a
/// whitelist: every field is either supported (it changes what runs), accepted as harmless (documented in
/// docs/kubevirt.md, e.g. <c>domain.machine</c>), or refused with a 422 cause that names it. Used for VMIs
/// (<c>spec</c>) and for the templates of VirtualMachines and VirtualMachineInstanceReplicaSets
/// (<c>spec.template.spec</c>). Messages follow apimachinery's field errors; what KubeVirt's own admission checks
/// (<c>pkg/virt-api/webhooks/validating-webhook/admitters/vmi-create-admitter.go</c>) is mirrored where Berth
/// supports the field.
/// </summary>
public static class VmiSpecValidation
{
    private static readonly string[] SpecFields =
    [
        "domain", "volumes", "networks", "terminationGracePeriodSeconds", "nodeSelector", "affinity", "tolerations", "hostname",
        "subdomain", "dnsPolicy", "dnsConfig", "evictionStrategy", "livenessProbe", "readinessProbe", "architecture", "priorityClassName",
    ];

    private static readonly Dictionary<string, string> SpecHints = new()
    {
        ["startStrategy"] = "a VM starts running; pausing is not supported",
        ["accessCredentials"] = "put SSH keys or passwords into cloudInitNoCloud user data",
        ["schedulerName"] = "pods of VMs are placed by Berth's scheduler",
        ["topologySpreadConstraints"] = "use affinity or nodeSelector",
        ["readinessGates"] = "use readinessProbe",
        ["resourceClaims"] = "no device plugins",
    };

    private static readonly string[] DomainFields = ["resources", "cpu", "memory", "machine", "firmware", "devices", "features"];

    private static readonly Dictionary<string, string> DomainHints = new()
    {
        ["clock"] = "the guest clock is QEMU's default (UTC)",
        ["chassis"] = "no SMBIOS chassis information",
        ["ioThreadsPolicy"] = "no dedicated I/O threads",
        ["launchSecurity"] = "no confidential computing",
    };

    private static readonly string[] ProbeFields = ["httpGet", "tcpSocket", "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"];

    private static readonly Dictionary<string, string> ProbeHints = new()
    {
        ["exec"] = "there is no guest agent; use httpGet or tcpSocket against the guest",
        ["guestAgentPing"] = "there is no guest agent; use httpGet or tcpSocket against the guest",
    };

    /// <summary>Adds a cause for every unsupported or invalid field of the VMI spec at <paramref name="path"/>.</summary>
    public static void Validate(JsonNode? specNode, string path, List<StatusCause> causes)
    {
        if (FieldCheck.Object(specNode, path, causes) is not { } spec)
        {
            if (specNode is null)
            {
                causes.Add(StatusCause.Required(path));
            }

            return;
        }

        FieldCheck.Only(spec, path, causes, SpecFields, SpecHints);
        FieldCheck.Integer(spec["terminationGracePeriodSeconds"], $"{path}.terminationGracePeriodSeconds", causes, 0);
        if (FieldCheck.Object(spec["nodeSelector"], $"{path}.nodeSelector", causes) is { } selector)
        {
            foreach (var (key, value) in selector)
            {
                FieldCheck.String(value, $"{path}.nodeSelector.{key}", causes);
            }
        }

        FieldCheck.Object(spec["affinity"], $"{path}.affinity", causes);
        FieldCheck.Array(spec["tolerations"], $"{path}.tolerations", causes);
        FieldCheck.DnsLabel(spec["hostname"], $"{path}.hostname", causes);
        FieldCheck.DnsLabel(spec["subdomain"], $"{path}.subdomain", causes);
        FieldCheck.OneOf(spec["dnsPolicy"], $"{path}.dnsPolicy", causes, "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None");
        FieldCheck.Object(spec["dnsConfig"], $"{path}.dnsConfig", causes);
        FieldCheck.String(spec["priorityClassName"], $"{path}.priorityClassName", causes);
        if (FieldCheck.String(spec["evictionStrategy"], $"{path}.evictionStrategy", causes) is { } eviction && eviction != "None")
        {
            causes.Add(FieldCheck.Unsupported($"{path}.evictionStrategy", "Berth has no live migration; the only strategy is None (an evicted VM stops)"));
        }

        if (FieldCheck.String(spec["architecture"], $"{path}.architecture", causes) is { } arch && arch != "amd64")
        {
            causes.Add(StatusCause.NotSupported($"{path}.architecture", arch, ["amd64"]));
        }

        Probe(spec["livenessProbe"], $"{path}.livenessProbe", causes);
        Probe(spec["readinessProbe"], $"{path}.readinessProbe", causes);

        var domainPath = $"{path}.domain";
        if (FieldCheck.Object(spec["domain"], domainPath, causes) is not { } domain)
        {
            if (spec["domain"] is null)
            {
                causes.Add(StatusCause.Required(domainPath));
            }

            return;
        }

        Domain(domain, domainPath, causes);
        var volumes = VmiDeviceValidation.Volumes(spec["volumes"], $"{path}.volumes", causes);
        VmiDeviceValidation.Disks(domain, domainPath, volumes, causes);
        VmiDeviceValidation.Networks(spec, path, domain, causes);
        VmiDeviceValidation.Images(spec, path, causes);
    }

    private static void Domain(JsonObject domain, string path, List<StatusCause> causes)
    {
        FieldCheck.Only(domain, path, causes, DomainFields, DomainHints);
        var resourcesPath = $"{path}.resources";
        decimal? memoryLimit = null, memoryRequest = null;
        if (FieldCheck.Object(domain["resources"], resourcesPath, causes) is { } resources)
        {
            FieldCheck.Only(resources, resourcesPath, causes, ["requests", "limits", "overcommitGuestOverhead"]);
            FieldCheck.Bool(resources["overcommitGuestOverhead"], $"{resourcesPath}.overcommitGuestOverhead", causes);
            memoryRequest = ResourceList(resources["requests"], $"{resourcesPath}.requests", causes);
            memoryLimit = ResourceList(resources["limits"], $"{resourcesPath}.limits", causes);
        }

        if (FieldCheck.Object(domain["cpu"], $"{path}.cpu", causes) is { } cpu)
        {
            FieldCheck.Only(cpu, $"{path}.cpu", causes, ["cores", "sockets", "threads"], new Dictionary<string, string>
            {
                ["model"] = "the guest CPU is QEMU's default under TCG and the host's under KVM",
                ["dedicatedCpuPlacement"] = "no CPU pinning",
                ["isolateEmulatorThread"] = "no CPU pinning",
                ["numa"] = "no NUMA topology",
                ["realtime"] = "no realtime tuning",
                ["features"] = "CPU features follow the CPU model",
                ["maxSockets"] = "no CPU hotplug",
            });
            foreach (var f in new[] { "cores", "sockets", "threads" })
            {
                FieldCheck.Integer(cpu[f], $"{path}.cpu.{f}", causes, 1);
            }
        }

        var memoryPath = $"{path}.memory";
        decimal? guest = null;
        if (FieldCheck.Object(domain["memory"], memoryPath, causes) is { } memory)
        {
            FieldCheck.Only(memory, memoryPath, causes, ["guest"], new Dictionary<string, string>
            {
                ["hugepages"] = "no hugepages",
                ["maxGuest"] = "no memory hotplug",
            });
            guest = FieldCheck.PositiveQuantity(memory["guest"], $"{memoryPath}.guest", causes);
        }

        if (guest is null && memoryRequest is null && memoryLimit is null && !causes.Any(c => c.Field.StartsWith(memoryPath, StringComparison.Ordinal)))
        {
            causes.Add(StatusCause.Required($"{memoryPath}.guest", "or domain.resources.requests.memory: the guest's RAM"));
        }

        if (guest is { } g && memoryLimit is { } limit && g > limit)
        {
            causes.Add(StatusCause.Invalid($"{memoryPath}.guest", domain["memory"]?["guest"]?.ToString(),
                "must be less than or equal to domain.resources.limits.memory"));
        }

        if (FieldCheck.Object(domain["machine"], $"{path}.machine", causes) is { } machine)
        {
            FieldCheck.Only(machine, $"{path}.machine", causes, ["type"]);
            FieldCheck.String(machine["type"], $"{path}.machine.type", causes);
        }

        Firmware(domain["firmware"], $"{path}.firmware", causes);
        VmiDeviceValidation.Devices(domain["devices"], $"{path}.devices", causes);
        if (FieldCheck.Object(domain["features"], $"{path}.features", causes) is { } features)
        {
            FieldCheck.Only(features, $"{path}.features", causes, ["acpi", "apic"], new Dictionary<string, string>
            {
                ["hyperv"] = "no Hyper-V enlightenments",
                ["smm"] = "no SMM (EFI secure boot is not supported)",
                ["kvm"] = "no KVM paravirtual tuning",
            });
            if (FieldCheck.Object(features["acpi"], $"{path}.features.acpi", causes) is { } acpi)
            {
                FieldCheck.Only(acpi, $"{path}.features.acpi", causes, ["enabled"]);
                if (FieldCheck.Bool(acpi["enabled"], $"{path}.features.acpi.enabled", causes) == false)
                {
                    causes.Add(FieldCheck.Unsupported($"{path}.features.acpi.enabled", "stopping a VM presses its ACPI power button"));
                }
            }

            FieldCheck.EmptyObject(features["apic"], $"{path}.features.apic", causes, "enabled");
        }
    }

    /// <summary>Checks requests or limits (cpu and memory only) and returns the memory quantity.</summary>
    private static decimal? ResourceList(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (FieldCheck.Object(node, path, causes) is not { } list)
        {
            return null;
        }

        FieldCheck.Only(list, path, causes, ["cpu", "memory"]);
        FieldCheck.PositiveQuantity(list["cpu"], $"{path}.cpu", causes);
        return FieldCheck.PositiveQuantity(list["memory"], $"{path}.memory", causes);
    }

    private static void Firmware(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (FieldCheck.Object(node, path, causes) is not { } firmware)
        {
            return;
        }

        FieldCheck.Only(firmware, path, causes, ["kernelBoot", "uuid", "serial", "bootloader"], new Dictionary<string, string>
        {
            ["acpi"] = "no custom ACPI tables",
        });
        FieldCheck.String(firmware["uuid"], $"{path}.uuid", causes);
        FieldCheck.String(firmware["serial"], $"{path}.serial", causes);
        if (FieldCheck.Object(firmware["bootloader"], $"{path}.bootloader", causes) is { } loader)
        {
            FieldCheck.Only(loader, $"{path}.bootloader", causes, ["bios"], new Dictionary<string, string>
            {
                ["efi"] = "guests boot with SeaBIOS",
            });
            FieldCheck.EmptyObject(loader["bios"], $"{path}.bootloader.bios", causes, "useSerial");
        }

        var kbPath = $"{path}.kernelBoot";
        if (FieldCheck.Object(firmware["kernelBoot"], kbPath, causes) is not { } kernelBoot)
        {
            return;
        }

        FieldCheck.Only(kernelBoot, kbPath, causes, ["container", "kernelArgs"]);
        FieldCheck.String(kernelBoot["kernelArgs"], $"{kbPath}.kernelArgs", causes);
        var cPath = $"{kbPath}.container";
        if (FieldCheck.Object(kernelBoot["container"], cPath, causes) is not { } container)
        {
            if (kernelBoot["container"] is null)
            {
                causes.Add(StatusCause.Required(cPath));
            }

            return;
        }

        FieldCheck.Only(container, cPath, causes, ["image", "kernelPath", "initrdPath", "imagePullPolicy"], new Dictionary<string, string>
        {
            ["imagePullSecret"] = "images come from the node's image store or registries it can reach without credentials",
        });
        FieldCheck.Image(container["image"], $"{cPath}.image", causes);
        FieldCheck.OneOf(container["imagePullPolicy"], $"{cPath}.imagePullPolicy", causes, "Always", "IfNotPresent", "Never");
        var kernel = FieldCheck.ImagePath(container["kernelPath"], $"{cPath}.kernelPath", causes);
        var initrd = FieldCheck.ImagePath(container["initrdPath"], $"{cPath}.initrdPath", causes);
        if (kernel is null && initrd is null && container["kernelPath"] is null && container["initrdPath"] is null)
        {
            causes.Add(StatusCause.Required($"{cPath}.kernelPath", "at least one of kernelPath and initrdPath"));
        }
        else if (container["kernelPath"] is null)
        {
            causes.Add(StatusCause.Required($"{cPath}.kernelPath", "Berth boots the kernel at kernelPath with the initrd at initrdPath"));
        }
    }

    private static void Probe(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (FieldCheck.Object(node, path, causes) is not { } probe)
        {
            return;
        }

        FieldCheck.Only(probe, path, causes, ProbeFields, ProbeHints);
        var handlers = new[] { "httpGet", "tcpSocket" }.Count(h => probe[h] is not null);
        if (handlers == 0 && probe["exec"] is null && probe["guestAgentPing"] is null)
        {
            causes.Add(StatusCause.Required(path, "one of httpGet and tcpSocket"));
        }
        else if (handlers > 1)
        {
            causes.Add(StatusCause.Forbidden($"{path}.tcpSocket", "may not specify more than 1 handler type"));
        }

        FieldCheck.Object(probe["httpGet"], $"{path}.httpGet", causes);
        FieldCheck.Object(probe["tcpSocket"], $"{path}.tcpSocket", causes);
        foreach (var f in new[] { "initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold" })
        {
            FieldCheck.Integer(probe[f], $"{path}.{f}", causes, f == "initialDelaySeconds" ? 0 : 1);
        }
    }
}
