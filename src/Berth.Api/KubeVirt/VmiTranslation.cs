using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;

namespace Berth.Api.KubeVirt;

/// <summary>
/// Turns a validated, defaulted VMI into what its pod carries: the <see cref="VmPodSpec"/> of the
/// <see cref="KubeVirtNames.SpecAnnotation"/> annotation, and the <c>compute</c> container's image and resources.
/// Pure; the KubeVirt controller calls it, tests call it directly.
/// </summary>
public static class VmiTranslation
{
    private const decimal MiB = 1024m * 1024m;

    /// <summary>The VM description of <paramref name="vmi"/> (a VirtualMachineInstance object).</summary>
    public static VmPodSpec ToPodSpec(JsonObject vmi)
    {
        var spec = Json.Object(vmi, "spec") ?? throw new ArgumentException("the VMI has no spec", nameof(vmi));
        var domain = Json.Object(spec, "domain") ?? throw new ArgumentException("the VMI has no spec.domain", nameof(vmi));
        var volumes = Nodes.Objects(spec["volumes"]).ToDictionary(v => Json.String(v.Item, "name") ?? "", v => v.Item, StringComparer.Ordinal);

        var disks = new List<(VmPodDisk Disk, long Order, int Index)>();
        VmPodCloudInit? cloudInit = null;
        foreach (var (i, disk) in Nodes.Objects(domain["devices"]?["disks"]))
        {
            var name = Json.String(disk, "name") ?? "";
            if (!volumes.TryGetValue(name, out var volume))
            {
                continue;
            }

            var readOnly = Json.Bool(disk, "disk", "readonly") == true;
            var order = Json.Long(disk, "bootOrder") ?? long.MaxValue;
            if (Json.Object(volume, "containerDisk") is { } cd)
            {
                disks.Add((new VmPodDisk { Name = name, Source = VmPodDisk.ContainerDiskSource, Path = Json.String(cd, "path"), ReadOnly = readOnly }, order, i));
            }
            else if (Json.Object(volume, "emptyDisk") is { } empty)
            {
                var bytes = Quantity.Parse(empty["capacity"]) ?? 0;
                disks.Add((new VmPodDisk { Name = name, Source = VmPodDisk.EmptyDiskSource, CapacityBytes = (long)Math.Ceiling(bytes) }, order, i));
            }
            else if (Json.Object(volume, "persistentVolumeClaim") is { } pvc)
            {
                disks.Add((new VmPodDisk
                {
                    Name = name,
                    Source = VmPodDisk.PersistentVolumeClaimSource,
                    Volume = name,
                    ReadOnly = readOnly || Json.Bool(pvc, "readOnly") == true,
                }, order, i));
            }
        }

        foreach (var volume in volumes.Values)
        {
            if (Json.Object(volume, "cloudInitNoCloud") is { } ci)
            {
                cloudInit = new VmPodCloudInit
                {
                    UserData = Json.String(ci, "userData") ?? Decode(Json.String(ci, "userDataBase64")),
                    NetworkData = Json.String(ci, "networkData") ?? Decode(Json.String(ci, "networkDataBase64")),
                };
            }
        }

        VmPodBoot boot;
        var ordered = disks.OrderBy(d => d.Index).Select(d => d.Disk).ToList();
        if (Json.Object(domain, "firmware", "kernelBoot") is { } kb)
        {
            boot = new VmPodBoot
            {
                Kind = VmPodBoot.KernelKind,
                KernelPath = Json.String(kb, "container", "kernelPath"),
                InitrdPath = Json.String(kb, "container", "initrdPath"),
                KernelArgs = Json.String(kb, "kernelArgs"),
            };
        }
        else
        {
            // The boot disk: the lowest bootOrder, else the first disk that holds an image (a containerDisk).
            var bootDisk = disks.Where(d => d.Order != long.MaxValue).OrderBy(d => d.Order).Select(d => d.Disk).FirstOrDefault()
                ?? ordered.FirstOrDefault(d => d.Source == VmPodDisk.ContainerDiskSource)
                ?? ordered.FirstOrDefault();
            boot = new VmPodBoot { Kind = VmPodBoot.DiskKind, Disk = bootDisk?.Name };
            if (bootDisk is not null)
            {
                ordered.Remove(bootDisk);
                ordered.Insert(0, bootDisk);
            }
        }

        return new VmPodSpec
        {
            Vcpus = Vcpus(domain),
            MemoryMiB = (int)Math.Ceiling(GuestMemoryBytes(domain) / MiB),
            Boot = boot,
            Disks = ordered,
            CloudInit = cloudInit,
            Network = Network(spec, domain),
            Hostname = Json.String(spec, "hostname") ?? HostnameOf(Json.String(vmi, "metadata", "name")),
        };
    }

    /// <summary>The image of the pod's <c>compute</c> container and its pull policy (null: the pod's default).</summary>
    public static (string Image, string? PullPolicy) ComputeImage(JsonObject vmi)
    {
        var spec = Json.Object(vmi, "spec");
        if (Json.Object(spec, "domain", "firmware", "kernelBoot", "container") is { } kb && Json.String(kb, "image") is { } kernelImage)
        {
            return (kernelImage, Json.String(kb, "imagePullPolicy"));
        }

        foreach (var (_, volume) in Nodes.Objects(spec?["volumes"]))
        {
            if (Json.Object(volume, "containerDisk") is { } cd && Json.String(cd, "image") is { } image)
            {
                return (image, Json.String(cd, "imagePullPolicy"));
            }
        }

        throw new ArgumentException("the VMI has neither a containerDisk nor a kernelBoot image", nameof(vmi));
    }

    /// <summary>
    /// The <c>compute</c> container's resources, as KubeVirt's launcher pod has them: memory requests (and limits, when
    /// the VMI has them) are the VMI's plus <see cref="VmPodSpec.MemoryOverheadMiB"/> (unless
    /// <c>overcommitGuestOverhead</c>); the CPU request is the VMI's, else 100m per vCPU (KubeVirt's default
    /// <c>cpuAllocationRatio</c> of 10); the CPU limit only when the VMI has one.
    /// </summary>
    public static JsonObject ComputeResources(JsonObject vmi)
    {
        var domain = Json.Object(vmi, "spec", "domain") ?? new JsonObject();
        var resources = Json.Object(domain, "resources");
        var overhead = Json.Bool(resources, "overcommitGuestOverhead") == true ? 0 : VmPodSpec.MemoryOverheadMiB;
        var requestBytes = Quantity.Parse(resources?["requests"]?["memory"]) ?? GuestMemoryBytes(domain);
        var requests = new JsonObject
        {
            ["cpu"] = Json.StringOf(resources?["requests"]?["cpu"]) ?? $"{100 * Vcpus(domain)}m",
            ["memory"] = $"{(long)Math.Ceiling(requestBytes / MiB) + overhead}Mi",
        };
        var result = new JsonObject { ["requests"] = requests };
        if (Json.Object(resources, "limits") is { } limitsIn)
        {
            var limits = new JsonObject();
            if (Json.StringOf(limitsIn["cpu"]) is { } cpu)
            {
                limits["cpu"] = cpu;
            }

            if (Quantity.Parse(limitsIn["memory"]) is { } memory)
            {
                limits["memory"] = $"{(long)Math.Ceiling(memory / MiB) + overhead}Mi";
            }

            if (limits.Count > 0)
            {
                result["limits"] = limits;
            }
        }

        return result;
    }

    /// <summary>vCPUs: cores × sockets × threads when <c>domain.cpu</c> is given, else the CPU limit (or request) rounded up, else 1.</summary>
    public static int Vcpus(JsonObject domain)
    {
        if (Json.Object(domain, "cpu") is { } cpu && (cpu["cores"] ?? cpu["sockets"] ?? cpu["threads"]) is not null)
        {
            return (int)Math.Max(1, (Json.Long(cpu, "cores") ?? 1) * (Json.Long(cpu, "sockets") ?? 1) * (Json.Long(cpu, "threads") ?? 1));
        }

        var fromResources = Quantity.Parse(domain["resources"]?["limits"]?["cpu"]) ?? Quantity.Parse(domain["resources"]?["requests"]?["cpu"]);
        return fromResources is { } q ? (int)Math.Max(1, Math.Ceiling(q)) : 1;
    }

    private static decimal GuestMemoryBytes(JsonObject domain) =>
        Quantity.Parse(domain["memory"]?["guest"])
        ?? Quantity.Parse(domain["resources"]?["requests"]?["memory"])
        ?? Quantity.Parse(domain["resources"]?["limits"]?["memory"])
        ?? 128 * MiB;

    private static VmPodNetwork? Network(JsonObject spec, JsonObject domain)
    {
        var iface = Nodes.Objects(domain["devices"]?["interfaces"]).Select(i => i.Item).FirstOrDefault();
        if (iface is null)
        {
            return null;
        }

        return new VmPodNetwork
        {
            Name = Json.String(iface, "name") ?? "default",
            Binding = iface["masquerade"] is not null ? VmPodNetwork.MasqueradeBinding : VmPodNetwork.BridgeBinding,
            Ports = [.. Nodes.Objects(iface["ports"]).Select(p => new VmPodPort
            {
                Port = (int)(Json.Long(p.Item, "port") ?? 0),
                Protocol = Json.String(p.Item, "protocol") ?? "TCP",
            })],
        };
    }

    private static string? HostnameOf(string? name) =>
        name is not null && !Validation.IsDns1123Label(name).Any() ? name : null;

    private static string? Decode(string? base64) =>
        base64 is null ? null : Encoding.UTF8.GetString(Convert.FromBase64String(base64));
}
