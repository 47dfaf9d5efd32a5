using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;

namespace Berth.Api.KubeVirt;

/// <summary>
/// The subset of KubeVirt's VMI mutating webhook (<c>pkg/virt-api/webhooks/mutating-webhook/mutators/vmi-mutator.go</c>)
/// that Berth reproduces on VMI create, adding only what is missing:
/// <list type="bullet">
/// <item>a volume without a disk gets <c>{name, disk: {bus: virtio}}</c> (<c>SetDefaultVolumeDisk</c>), a disk without a
///   target gets <c>disk: {}</c>, a disk target without a bus gets <c>bus: virtio</c>;</item>
/// <item>no interfaces and no networks (and <c>autoattachPodInterface</c> not false): interface <c>default</c> with
///   <c>bridge: {}</c> on network <c>default</c> with <c>pod: {}</c> (<c>SetDefaultNetworkInterface</c>, bridge being
///   KubeVirt's default binding);</item>
/// <item>masquerade ports get <c>protocol: TCP</c>;</item>
/// <item><c>domain.resources.requests.memory</c> from <c>domain.memory.guest</c>, and the guest memory from the request
///   (or the limit) when only that is given;</item>
/// <item><c>terminationGracePeriodSeconds: 180</c> (KubeVirt's <c>DefaultGracePeriodSeconds</c>).</item>
/// </list>
/// Machine type, firmware UUID and CPU model defaults are not written: Berth does not use them.
/// </summary>
public static class VmiDefaults
{
    public const long DefaultGracePeriodSeconds = 180;

    public static void Apply(JsonObject spec)
    {
        if (spec["domain"] is not JsonObject domain)
        {
            return;
        }

        Json.SetDefault(spec, "terminationGracePeriodSeconds", JsonValue.Create(DefaultGracePeriodSeconds));
        var devices = Json.EnsureObject(domain, "devices");
        Disks(spec, devices);
        Interfaces(spec, devices);
        Memory(domain);
    }

    private static void Disks(JsonObject spec, JsonObject devices)
    {
        var disks = devices["disks"] as JsonArray;
        var named = new HashSet<string>(Nodes.Objects(disks).Select(d => Json.String(d.Item, "name") ?? ""), StringComparer.Ordinal);
        foreach (var (_, volume) in Nodes.Objects(spec["volumes"]))
        {
            if (Json.String(volume, "name") is { Length: > 0 } name && !named.Contains(name))
            {
                if (disks is null)
                {
                    disks = [];
                    devices["disks"] = disks;
                }

                disks.Add(new JsonObject { ["name"] = name, ["disk"] = new JsonObject() });
                named.Add(name);
            }
        }

        foreach (var (_, disk) in Nodes.Objects(disks))
        {
            if (disk["disk"] is null && disk["cdrom"] is null && disk["lun"] is null && disk["floppy"] is null)
            {
                disk["disk"] = new JsonObject();
            }

            if (disk["disk"] is JsonObject target)
            {
                Json.SetDefault(target, "bus", "virtio");
            }
        }
    }

    private static void Interfaces(JsonObject spec, JsonObject devices)
    {
        if (devices["interfaces"] is null && spec["networks"] is null && Json.Bool(devices, "autoattachPodInterface") != false)
        {
            devices["interfaces"] = new JsonArray(new JsonObject { ["name"] = "default", ["bridge"] = new JsonObject() });
            spec["networks"] = new JsonArray(new JsonObject { ["name"] = "default", ["pod"] = new JsonObject() });
        }

        foreach (var (_, iface) in Nodes.Objects(devices["interfaces"]))
        {
            foreach (var (_, port) in Nodes.Objects(iface["ports"]))
            {
                Json.SetDefault(port, "protocol", "TCP");
            }
        }
    }

    private static void Memory(JsonObject domain)
    {
        var guest = domain["memory"]?["guest"];
        var request = domain["resources"]?["requests"]?["memory"];
        var limit = domain["resources"]?["limits"]?["memory"];
        if (guest is not null && request is null)
        {
            var requests = Json.EnsureObject(Json.EnsureObject(domain, "resources"), "requests");
            requests["memory"] = guest.DeepClone();
        }
        else if (guest is null && (request ?? limit) is { } from)
        {
            Json.EnsureObject(domain, "memory")["guest"] = from.DeepClone();
        }
    }
}
