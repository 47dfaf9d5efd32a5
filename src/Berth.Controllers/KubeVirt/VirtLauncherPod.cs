using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.KubeVirt;
using Berth.Api.Resources;

namespace Berth.Controllers.KubeVirt;

/// <summary>
/// The pod that runs a VMI (KubeVirt's virt-launcher pod, <c>pkg/virt-controller/services/template.go</c>), in the
/// shape Berth's agent runs as a VM (docs/kubevirt.md, "The pod contract"):
/// <list type="bullet">
/// <item>name <c>virt-launcher-NAME-xxxxx</c>, the suffix derived from the VMI's uid so that creating it twice
///   finds the first (no duplicate pods after a lost update);</item>
/// <item>labels: the VMI's, plus <c>kubevirt.io: virt-launcher</c>, <c>kubevirt.io/created-by: UID</c>,
///   <c>kubevirt.io/domain</c> and <c>vm.kubevirt.io/name</c> (so Services written for KubeVirt select it);</item>
/// <item>a controller owner reference to the VMI (the garbage collector removes the pod with it);</item>
/// <item><c>runtimeClassName: vm</c>, <c>restartPolicy: Never</c> (a VMI runs once; VirtualMachines restart by making a
///   new VMI), the VMI's grace period, scheduling fields, hostname, DNS settings and probes;</item>
/// <item>one container <c>compute</c> with the boot image, the resources of
///   <see cref="VmiTranslation.ComputeResources"/>, and the masquerade ports;</item>
/// <item>the annotation <see cref="KubeVirtNames.SpecAnnotation"/>: the rest of the VM (<see cref="VmPodSpec"/>).</item>
/// </list>
/// </summary>
public static class VirtLauncherPod
{
    private const string SuffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string NameFor(string vmiName, string vmiUid)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(vmiUid));
        var suffix = new char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = SuffixAlphabet[hash[i] % SuffixAlphabet.Length];
        }

        return $"virt-launcher-{vmiName}-{new string(suffix)}";
    }

    /// <summary>The pod for <paramref name="vmi"/>; throws <see cref="ArgumentException"/> when the VMI cannot be run.</summary>
    public static JsonObject Build(JsonObject vmi)
    {
        var meta = Json.Object(vmi, "metadata") ?? throw new ArgumentException("the VMI has no metadata", nameof(vmi));
        var name = Json.String(meta, "name") ?? throw new ArgumentException("the VMI has no name", nameof(vmi));
        var uid = Json.String(meta, "uid") ?? throw new ArgumentException("the VMI has no uid", nameof(vmi));
        var spec = Json.Object(vmi, "spec") ?? throw new ArgumentException("the VMI has no spec", nameof(vmi));
        var vm = VmiTranslation.ToPodSpec(vmi);
        var (image, pullPolicy) = VmiTranslation.ComputeImage(vmi);

        var labels = Json.Object(meta, "labels")?.DeepClone() as JsonObject ?? [];
        labels[KubeVirtNames.AppLabel] = KubeVirtNames.LauncherApp;
        labels[KubeVirtNames.CreatedByLabel] = uid;
        labels[KubeVirtNames.DomainLabel] = name;
        labels[KubeVirtNames.VmNameLabel] = name;

        var container = new JsonObject
        {
            ["name"] = KubeVirtNames.ComputeContainer,
            ["image"] = image,
            ["resources"] = VmiTranslation.ComputeResources(vmi),
        };
        if (pullPolicy is not null)
        {
            container["imagePullPolicy"] = pullPolicy;
        }

        if (vm.Network is { Binding: VmPodNetwork.MasqueradeBinding } net && net.Ports.Count > 0)
        {
            var iface = Json.Array(spec, "domain", "devices", "interfaces")?.OfType<JsonObject>().FirstOrDefault();
            var ports = new JsonArray();
            foreach (var p in Json.Array(iface, "ports")?.OfType<JsonObject>() ?? [])
            {
                var port = new JsonObject { ["containerPort"] = Json.Long(p, "port"), ["protocol"] = Json.String(p, "protocol") ?? "TCP" };
                if (Json.String(p, "name") is { Length: > 0 } portName)
                {
                    port["name"] = portName;
                }

                ports.Add(port);
            }

            container["ports"] = ports;
        }

        foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
        {
            if (spec[probe] is JsonObject p)
            {
                container[probe] = p.DeepClone();
            }
        }

        var podSpec = new JsonObject
        {
            ["runtimeClassName"] = KubeVirtNames.RuntimeClass,
            ["restartPolicy"] = "Never",
            ["automountServiceAccountToken"] = false,
            ["terminationGracePeriodSeconds"] = Json.Long(spec, "terminationGracePeriodSeconds") ?? VmiDefaults.DefaultGracePeriodSeconds,
            ["containers"] = new JsonArray(container),
        };
        if (vm.Hostname is { } hostname)
        {
            podSpec["hostname"] = hostname;
        }

        foreach (var field in new[] { "subdomain", "nodeSelector", "affinity", "tolerations", "dnsPolicy", "dnsConfig", "priorityClassName" })
        {
            if (spec[field] is { } value)
            {
                podSpec[field] = value.DeepClone();
            }
        }

        var volumes = new JsonArray();
        foreach (var volume in Json.Array(spec, "volumes")?.OfType<JsonObject>() ?? [])
        {
            if (Json.Object(volume, "persistentVolumeClaim") is { } pvc)
            {
                volumes.Add(new JsonObject
                {
                    ["name"] = Json.String(volume, "name"),
                    ["persistentVolumeClaim"] = new JsonObject
                    {
                        ["claimName"] = Json.String(pvc, "claimName"),
                        ["readOnly"] = Json.Bool(pvc, "readOnly") == true,
                    },
                });
            }
        }

        if (volumes.Count > 0)
        {
            podSpec["volumes"] = volumes;
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = NameFor(name, uid),
                ["namespace"] = Json.String(meta, "namespace"),
                ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    [KubeVirtNames.DomainLabel] = name,
                    ["kubectl.kubernetes.io/default-container"] = KubeVirtNames.ComputeContainer,
                    [KubeVirtNames.SpecAnnotation] = vm.ToJson(),
                },
                ["ownerReferences"] = new JsonArray(OwnerRefs.For(vmi, "kubevirt.io/v1", "VirtualMachineInstance")),
            },
            ["spec"] = podSpec,
        };
    }
}
