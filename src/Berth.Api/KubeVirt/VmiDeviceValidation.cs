using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;

namespace Berth.Api.KubeVirt;

/// <summary>
/// The device half of <see cref="VmiSpecValidation"/>: disks, interfaces, networks and volumes, and how they refer
/// to each other (a disk names a volume, an interface names a network), with KubeVirt's messages where it has them.
/// </summary>
internal static class VmiDeviceValidation
{
    private static readonly string[] DeviceFields =
    [
        "disks", "interfaces", "rng", "autoattachPodInterface", "autoattachGraphicsDevice", "autoattachSerialConsole", "autoattachMemBalloon",
        "autoattachInputDevice", "logSerialConsole", "disableHotplug", "networkInterfaceMultiqueue", "blockMultiQueue", "useVirtioTransitional",
    ];

    private static readonly Dictionary<string, string> DeviceHints = new()
    {
        ["gpus"] = "no device passthrough",
        ["hostDevices"] = "no device passthrough",
        ["filesystems"] = "no virtiofs; use a disk",
        ["inputs"] = "no graphics, so no input devices",
        ["watchdog"] = "no watchdog device",
        ["sound"] = "no sound device",
        ["tpm"] = "no TPM",
        ["clientPassthrough"] = "no USB redirection",
        ["autoattachVSOCK"] = "no vsock on this host",
        ["downwardMetrics"] = "no downward metrics",
    };

    private static readonly Dictionary<string, string> DiskHints = new()
    {
        ["cdrom"] = "a disk must be `disk: {bus: virtio}`",
        ["lun"] = "a disk must be `disk: {bus: virtio}`",
        ["floppy"] = "a disk must be `disk: {bus: virtio}`",
        ["serial"] = "a disk's serial is its name (/dev/disk/by-id/virtio-NAME)",
        ["cache"] = "disks use QEMU's default cache mode",
        ["io"] = "disks use QEMU's default I/O mode",
        ["dedicatedIOThread"] = "no dedicated I/O threads",
        ["blockSize"] = "disks use QEMU's default block size",
        ["shareable"] = "a disk belongs to one VM",
        ["errorPolicy"] = "disks use QEMU's default error policy",
    };

    private static readonly Dictionary<string, string> InterfaceHints = new()
    {
        ["sriov"] = "Berth supports `masquerade: {}` and `bridge: {}` on the pod network",
        ["slirp"] = "Berth supports `masquerade: {}` and `bridge: {}` on the pod network",
        ["passt"] = "Berth supports `masquerade: {}` and `bridge: {}` on the pod network",
        ["macvtap"] = "Berth supports `masquerade: {}` and `bridge: {}` on the pod network",
        ["binding"] = "no network binding plugins; use `masquerade: {}` or `bridge: {}`",
        ["macAddress"] = "the guest takes the pod interface's MAC address (bridge) or QEMU's (masquerade)",
        ["bootOrder"] = "no network boot",
        ["pciAddress"] = "devices get QEMU's PCI addresses",
        ["dhcpOptions"] = "the guest gets its address from the cloud-init network-config, not DHCP",
        ["state"] = "no interface hotplug",
        ["acpiIndex"] = "devices get QEMU's defaults",
    };

    private static readonly Dictionary<string, string> VolumeHints = new()
    {
        ["dataVolume"] = "no CDI; use a persistentVolumeClaim (Berth uses disk.img in the volume, as KubeVirt does)",
        ["hostDisk"] = "use a persistentVolumeClaim",
        ["ephemeral"] = "use a containerDisk (copy-on-write already)",
        ["configMap"] = "no configuration disks; put files into cloudInitNoCloud user data",
        ["secret"] = "no configuration disks; put files into cloudInitNoCloud user data",
        ["serviceAccount"] = "no configuration disks",
        ["downwardAPI"] = "no configuration disks",
        ["downwardMetrics"] = "no downward metrics",
        ["cloudInitConfigDrive"] = "use cloudInitNoCloud",
        ["sysprep"] = "no Windows guests",
        ["memoryDump"] = "no memory dumps",
    };

    private static readonly string[] VolumeSources = ["containerDisk", "cloudInitNoCloud", "emptyDisk", "persistentVolumeClaim"];

    public static void Devices(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (FieldCheck.Object(node, path, causes) is not { } devices)
        {
            return;
        }

        FieldCheck.Only(devices, path, causes, DeviceFields, DeviceHints);
        FieldCheck.EmptyObject(devices["rng"], $"{path}.rng", causes);
        foreach (var flag in new[] { "autoattachPodInterface", "autoattachGraphicsDevice", "autoattachMemBalloon", "autoattachInputDevice", "logSerialConsole", "disableHotplug", "useVirtioTransitional" })
        {
            FieldCheck.Bool(devices[flag], $"{path}.{flag}", causes);
        }

        if (FieldCheck.Bool(devices["autoattachSerialConsole"], $"{path}.autoattachSerialConsole", causes) == false)
        {
            causes.Add(FieldCheck.Unsupported($"{path}.autoattachSerialConsole", "the serial console is the pod's log"));
        }

        foreach (var flag in new[] { "networkInterfaceMultiqueue", "blockMultiQueue" })
        {
            if (FieldCheck.Bool(devices[flag], $"{path}.{flag}", causes) == true)
            {
                causes.Add(FieldCheck.Unsupported($"{path}.{flag}", "devices have one queue"));
            }
        }
    }

    /// <summary>Checks the volumes and returns their sources by name (<c>containerDisk</c>, <c>emptyDisk</c>...).</summary>
    public static Dictionary<string, string> Volumes(JsonNode? node, string path, List<StatusCause> causes)
    {
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        var cloudInits = 0;
        foreach (var (i, volume) in Items(node, path, causes))
        {
            var vp = $"{path}[{i}]";
            FieldCheck.Only(volume, vp, causes, ["name", .. VolumeSources], VolumeHints);
            var name = Name(volume, vp, sources.Keys, causes);
            var present = VolumeSources.Where(s => volume[s] is not null).ToList();
            var refused = VolumeHints.Keys.Any(k => volume[k] is not null);
            if (present.Count == 0 && !refused)
            {
                causes.Add(StatusCause.Required(vp, "must specify exactly one volume source: containerDisk, cloudInitNoCloud, emptyDisk or persistentVolumeClaim"));
            }
            else if (present.Count > 1)
            {
                causes.Add(StatusCause.Forbidden($"{vp}.{present[1]}", "may not specify more than 1 volume type"));
            }

            if (present.Count == 1 && name is not null)
            {
                sources[name] = present[0];
            }

            switch (present.FirstOrDefault())
            {
                case "containerDisk":
                    ContainerDisk(volume["containerDisk"], $"{vp}.containerDisk", causes);
                    break;
                case "cloudInitNoCloud":
                    cloudInits++;
                    CloudInit(volume["cloudInitNoCloud"], $"{vp}.cloudInitNoCloud", cloudInits, causes);
                    break;
                case "emptyDisk":
                    if (FieldCheck.Object(volume["emptyDisk"], $"{vp}.emptyDisk", causes) is { } empty)
                    {
                        FieldCheck.Only(empty, $"{vp}.emptyDisk", causes, ["capacity"]);
                        if (empty["capacity"] is null)
                        {
                            causes.Add(StatusCause.Required($"{vp}.emptyDisk.capacity"));
                        }

                        FieldCheck.PositiveQuantity(empty["capacity"], $"{vp}.emptyDisk.capacity", causes);
                    }

                    break;
                case "persistentVolumeClaim":
                    if (FieldCheck.Object(volume["persistentVolumeClaim"], $"{vp}.persistentVolumeClaim", causes) is { } pvc)
                    {
                        FieldCheck.Only(pvc, $"{vp}.persistentVolumeClaim", causes, ["claimName", "readOnly"], new Dictionary<string, string>
                        {
                            ["hotpluggable"] = "no disk hotplug",
                        });
                        if (string.IsNullOrEmpty(FieldCheck.String(pvc["claimName"], $"{vp}.persistentVolumeClaim.claimName", causes)))
                        {
                            causes.Add(StatusCause.Required($"{vp}.persistentVolumeClaim.claimName"));
                        }

                        FieldCheck.Bool(pvc["readOnly"], $"{vp}.persistentVolumeClaim.readOnly", causes);
                    }

                    break;
            }
        }

        return sources;
    }

    private static void ContainerDisk(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (FieldCheck.Object(node, path, causes) is not { } disk)
        {
            return;
        }

        FieldCheck.Only(disk, path, causes, ["image", "imagePullPolicy", "path"], new Dictionary<string, string>
        {
            ["imagePullSecret"] = "images come from the node's image store or registries it can reach without credentials",
            ["hotpluggable"] = "no disk hotplug",
        });
        FieldCheck.Image(disk["image"], $"{path}.image", causes);
        FieldCheck.OneOf(disk["imagePullPolicy"], $"{path}.imagePullPolicy", causes, "Always", "IfNotPresent", "Never");
        FieldCheck.ImagePath(disk["path"], $"{path}.path", causes);
    }

    private static void CloudInit(JsonNode? node, string path, int count, List<StatusCause> causes)
    {
        if (count > 1)
        {
            causes.Add(StatusCause.Forbidden(path, "may not have more than one cloud-init volume"));
        }

        if (FieldCheck.Object(node, path, causes) is not { } ci)
        {
            return;
        }

        FieldCheck.Only(ci, path, causes, ["userData", "userDataBase64", "networkData", "networkDataBase64"], new Dictionary<string, string>
        {
            ["secretRef"] = "put the user data inline (userData or userDataBase64)",
            ["networkDataSecretRef"] = "put the network data inline (networkData or networkDataBase64)",
        });
        var user = new[] { "userData", "userDataBase64", "secretRef" }.Count(k => ci[k] is not null);
        var network = new[] { "networkData", "networkDataBase64", "networkDataSecretRef" }.Count(k => ci[k] is not null);
        if (user > 1)
        {
            causes.Add(StatusCause.Forbidden(path, "must have one exactly one userdata source set."));
        }

        if (network > 1)
        {
            causes.Add(StatusCause.Forbidden(path, "must have one exactly one networkdata source set."));
        }

        if (user == 0 && network == 0)
        {
            causes.Add(StatusCause.Required(path, "must have at least one userdatasource or one networkdatasource set."));
        }

        FieldCheck.String(ci["userData"], $"{path}.userData", causes);
        FieldCheck.String(ci["networkData"], $"{path}.networkData", causes);
        foreach (var b64 in new[] { "userDataBase64", "networkDataBase64" })
        {
            if (FieldCheck.String(ci[b64], $"{path}.{b64}", causes) is { } text && !IsBase64(text))
            {
                causes.Add(StatusCause.Invalid($"{path}.{b64}", text.Length > 32 ? text[..32] + "..." : text, "must be valid base64"));
            }
        }
    }

    public static void Disks(JsonObject domain, string domainPath, Dictionary<string, string> volumes, List<StatusCause> causes)
    {
        var path = $"{domainPath}.devices.disks";
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, disk) in Items(domain["devices"]?["disks"], path, causes))
        {
            var dp = $"{path}[{i}]";
            FieldCheck.Only(disk, dp, causes, ["name", "disk", "bootOrder", "tag"], DiskHints);
            var name = Name(disk, dp, names, causes);
            if (name is not null)
            {
                names.Add(name);
                if (!volumes.ContainsKey(name) && !causes.Any(c => c.Field.Contains(".volumes", StringComparison.Ordinal)))
                {
                    causes.Add(StatusCause.Invalid($"{dp}.name", name, "no volume with this name in volumes"));
                }
            }

            FieldCheck.Integer(disk["bootOrder"], $"{dp}.bootOrder", causes, 1);
            FieldCheck.String(disk["tag"], $"{dp}.tag", causes);
            if (FieldCheck.Object(disk["disk"], $"{dp}.disk", causes) is { } target)
            {
                FieldCheck.Only(target, $"{dp}.disk", causes, ["bus", "readonly"], new Dictionary<string, string>
                {
                    ["pciAddress"] = "devices get QEMU's PCI addresses",
                });
                FieldCheck.OneOf(target["bus"], $"{dp}.disk.bus", causes, "virtio");
                FieldCheck.Bool(target["readonly"], $"{dp}.disk.readonly", causes);
            }
        }
    }

    public static void Networks(JsonObject spec, string path, JsonObject domain, List<StatusCause> causes)
    {
        var netPath = $"{path}.networks";
        var networks = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, network) in Items(spec["networks"], netPath, causes))
        {
            var np = $"{netPath}[{i}]";
            FieldCheck.Only(network, np, causes, ["name", "pod"], new Dictionary<string, string>
            {
                ["multus"] = "one network per VM: the pod network",
            });
            if (Name(network, np, networks, causes) is { } name)
            {
                networks.Add(name);
            }

            if (network["pod"] is null && network["multus"] is null)
            {
                causes.Add(StatusCause.Required($"{np}.pod"));
            }

            if (FieldCheck.Object(network["pod"], $"{np}.pod", causes) is { } pod)
            {
                FieldCheck.Only(pod, $"{np}.pod", causes, [], new Dictionary<string, string>
                {
                    ["vmNetworkCIDR"] = "masquerade uses 10.0.2.0/24 inside the VM",
                    ["vmIPv6NetworkCIDR"] = "masquerade is IPv4 only",
                });
            }

            if (i > 0)
            {
                causes.Add(StatusCause.Forbidden(np, "Berth connects a VM to one network, the pod network"));
            }
        }

        var ifPath = $"{path}.domain.devices.interfaces";
        var interfaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, iface) in Items(domain["devices"]?["interfaces"], ifPath, causes))
        {
            var ip = $"{ifPath}[{i}]";
            FieldCheck.Only(iface, ip, causes, ["name", "masquerade", "bridge", "ports", "model", "tag"], InterfaceHints);
            if (Name(iface, ip, interfaces, causes) is { } name)
            {
                interfaces.Add(name);
                if (!networks.Contains(name))
                {
                    causes.Add(StatusCause.Invalid($"{ip}.name", name, "no network with this name in networks"));
                }
            }

            var bindings = new[] { "masquerade", "bridge" }.Where(b => iface[b] is not null).ToList();
            if (bindings.Count == 0 && !new[] { "sriov", "slirp", "passt", "macvtap", "binding" }.Any(k => iface[k] is not null))
            {
                causes.Add(StatusCause.Required(ip, "one of masquerade: {} and bridge: {}"));
            }
            else if (bindings.Count > 1)
            {
                causes.Add(StatusCause.Forbidden($"{ip}.bridge", "may not specify more than 1 binding method"));
            }

            FieldCheck.EmptyObject(iface["masquerade"], $"{ip}.masquerade", causes);
            FieldCheck.EmptyObject(iface["bridge"], $"{ip}.bridge", causes);
            FieldCheck.OneOf(iface["model"], $"{ip}.model", causes, "virtio");
            FieldCheck.String(iface["tag"], $"{ip}.tag", causes);
            if (iface["ports"] is not null && iface["bridge"] is not null)
            {
                causes.Add(StatusCause.Forbidden($"{ip}.ports", "Port field is only allowed with masquerade: a bridged guest answers on every port of the pod IP"));
            }

            foreach (var (j, port) in Items(iface["ports"], $"{ip}.ports", causes))
            {
                var pp = $"{ip}.ports[{j}]";
                FieldCheck.Only(port, pp, causes, ["name", "port", "protocol"]);
                if (port["port"] is null)
                {
                    causes.Add(StatusCause.Required($"{pp}.port"));
                }
                else if (FieldCheck.Integer(port["port"], $"{pp}.port", causes, 1) is > 65535 and var big)
                {
                    causes.Add(StatusCause.Invalid($"{pp}.port", big, FieldRules.InclusiveRange(1, 65535)));
                }

                FieldCheck.String(port["name"], $"{pp}.name", causes);
                FieldCheck.OneOf(port["protocol"], $"{pp}.protocol", causes, "TCP", "UDP");
            }

            if (i > 0)
            {
                causes.Add(StatusCause.Forbidden(ip, "Berth gives a VM one interface, on the pod network"));
            }
        }

        foreach (var network in networks.Where(n => !interfaces.Contains(n)))
        {
            causes.Add(StatusCause.Invalid($"{netPath}", network, "a network needs an interface of the same name in domain.devices.interfaces"));
        }
    }

    /// <summary>
    /// The pod that runs a VM has one container, whose image holds what boots: so one image per VM (a kernelBoot
    /// container, or a containerDisk; both only when they are the same image), and at least one.
    /// </summary>
    public static void Images(JsonObject spec, string path, List<StatusCause> causes)
    {
        var images = new List<(string Image, string Field)>();
        if (Json.String(spec, "domain", "firmware", "kernelBoot", "container", "image") is { Length: > 0 } kernelImage)
        {
            images.Add((kernelImage, $"{path}.domain.firmware.kernelBoot.container.image"));
        }

        foreach (var (i, volume) in Nodes.Objects(spec["volumes"]))
        {
            if (Json.String(volume, "containerDisk", "image") is { Length: > 0 } image)
            {
                images.Add((image, $"{path}.volumes[{i}].containerDisk.image"));
            }
        }

        if (images.Count == 0)
        {
            if (!causes.Any(c => c.Field.Contains("containerDisk", StringComparison.Ordinal) || c.Field.Contains("kernelBoot", StringComparison.Ordinal)))
            {
                causes.Add(StatusCause.Required($"{path}.volumes", "a containerDisk volume or domain.firmware.kernelBoot: the image the VM boots from"));
            }

            return;
        }

        foreach (var (image, field) in images.Skip(1).Where(x => x.Image != images[0].Image))
        {
            causes.Add(FieldCheck.Unsupported(field, $"a VM runs one image (its pod's compute container), and {images[0].Field} is \"{images[0].Image}\""));
        }
    }

    private static IEnumerable<(int Index, JsonObject Item)> Items(JsonNode? node, string path, List<StatusCause> causes)
    {
        if (FieldCheck.Array(node, path, causes) is not { } array)
        {
            yield break;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (FieldCheck.Object(array[i], $"{path}[{i}]", causes) is { } o)
            {
                yield return (i, o);
            }
        }
    }

    private static string? Name(JsonObject item, string path, IEnumerable<string> seen, List<StatusCause> causes)
    {
        var name = FieldCheck.String(item["name"], $"{path}.name", causes);
        if (string.IsNullOrEmpty(name))
        {
            if (item["name"] is null || name is not null)
            {
                causes.Add(StatusCause.Required($"{path}.name"));
            }

            return null;
        }

        foreach (var m in Validation.IsDns1123Label(name))
        {
            causes.Add(StatusCause.Invalid($"{path}.name", name, m));
            return null;
        }

        if (seen.Contains(name))
        {
            causes.Add(StatusCause.Duplicate($"{path}.name", name));
            return null;
        }

        return name;
    }

    private static bool IsBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }
}
