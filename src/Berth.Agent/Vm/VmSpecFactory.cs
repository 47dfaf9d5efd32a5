using System.Net;
using System.Text.RegularExpressions;
using Berth.Agent.Pods;
using Berth.Api.KubeVirt;
using Berth.Runtime.Vm;
using k8s.Models;

namespace Berth.Agent.Vm;

/// <summary>
/// Turns a VM pod into the VM runtime's <see cref="VmSpec"/>. Two sources, one result:
/// <list type="bullet">
/// <item>a pod made by the KubeVirt controller carries the VM in the <c>vm.berth.dev/spec</c> annotation
///   (<see cref="VmPodSpec"/>, the pod contract of docs/kubevirt.md): vCPUs, guest RAM, boot, disks (containerDisk:
///   a copy-on-write overlay; emptyDisk: blank qcow2; persistentVolumeClaim: <c>disk.img</c> in the claim's local
///   volume, <see cref="ClaimDisks"/>), cloud-init, NIC binding and hostname come from there;</item>
/// <item>a VM pod written by hand has none: the image decides the boot (the one file under <c>/disk/</c>: disk
///   boot behind a copy-on-write overlay; else <c>/boot/vmlinuz</c> and, when present, <c>/boot/initrd</c>: kernel
///   boot), the container's resources the size (limits, else requests: vCPUs = CPU rounded up, else 1; guest RAM =
///   memory, else <see cref="DefaultMemoryMiB"/>; Virtlet's rule), <see cref="VmPodAnnotations"/> the rest.</item>
/// </list>
/// Either way the VM's id is the pod UID (so <c>DATA_DIR/vm/UID/console.sock</c> is the pod's console), it joins the
/// pod's network namespace with the pod IP, prefix, gateway and cluster DNS, its console goes to the container's
/// CRI log, and it runs in the pod's cgroup <c>/berth/pod&lt;uid&gt;</c> (memory limit: guest RAM + the runtime's
/// overhead). Pod-spec problems throw <see cref="ContainerConfigException"/>, image problems
/// <see cref="ContainerCreateException"/>.
/// </summary>
internal static partial class VmSpecFactory
{
    public const int DefaultMemoryMiB = 256;
    public const string DefaultKernelPath = "/boot/vmlinuz";
    public const string DefaultInitrdPath = "/boot/initrd";
    public const string DiskDirectory = "/disk";

    /// <summary>The cluster DNS the guest is told about (the pod's resolv.conf servers and search list).</summary>
    public sealed record Dns(IReadOnlyList<string> Servers, IReadOnlyList<string> Searches);

    /// <summary>The KubeVirt pod contract of the pod (<c>vm.berth.dev/spec</c>), or null for a hand-written VM pod; a bad one is a config error.</summary>
    public static VmPodSpec? Contract(V1Pod pod)
    {
        if (pod.Metadata.Annotations?.TryGetValue(KubeVirtNames.SpecAnnotation, out var json) != true)
        {
            return null;
        }

        try
        {
            return VmPodSpec.Parse(json!);
        }
        catch (FormatException e)
        {
            throw new ContainerConfigException(e.Message);
        }
    }

    /// <param name="claims">The persistent disks' directories by pod volume name (<see cref="ClaimDisks"/>).</param>
    public static VmSpec Build(
        V1Pod pod, V1Container container, ImageFiles image, string imageName, PodSandboxInfo sandbox, string logPath, Dns dns, IReadOnlyDictionary<string, ClaimDisk>? claims = null)
    {
        var uid = pod.Metadata.Uid;
        var containers = (pod.Spec.Containers?.Count ?? 0) + (pod.Spec.InitContainers?.Count ?? 0);
        if (containers != 1)
        {
            throw new ContainerConfigException($"a VM pod (runtimeClassName \"{VmPodRuntime.RuntimeClassName}\") has exactly one container, the virtual machine; this one has {containers} (init containers included)");
        }

        if (pod.Spec.HostNetwork == true || sandbox.Network is null || sandbox.NetnsPath is null)
        {
            throw new ContainerConfigException("a VM pod cannot use hostNetwork: the virtual machine takes the pod's own network namespace and IP");
        }

        IReadOnlyDictionary<string, string> annotations = new Dictionary<string, string>(pod.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var contract = Contract(pod);
        var (boot, disks) = contract is not null
            ? FromContract(contract, image, imageName, claims ?? new Dictionary<string, ClaimDisk>())
            : FromImage(image, imageName, annotations);
        var (vcpus, memory) = contract is not null ? (contract.Vcpus, contract.MemoryMiB) : FromResources(container);
        CloudInitSeed? seed = contract is not null
            ? contract.CloudInit is { } ci ? new CloudInitSeed(ci.UserData, null, ci.NetworkData) : null
            : annotations.ContainsKey(VmPodAnnotations.UserData) || annotations.ContainsKey(VmPodAnnotations.NetworkConfig)
                ? new CloudInitSeed(annotations.GetValueOrDefault(VmPodAnnotations.UserData), null, annotations.GetValueOrDefault(VmPodAnnotations.NetworkConfig))
                : null;

        return new VmSpec
        {
            Id = uid,
            Boot = boot,
            Disks = disks,
            CloudInit = seed,
            Vcpus = vcpus,
            MemoryMiB = memory,
            Network = WithoutNic(contract) ? null : Network(container, contract, annotations, sandbox, dns),
            ConsoleLogPath = logPath,
            CgroupParent = "/berth/pod" + uid,
            Hostname = contract?.Hostname ?? OciPodRuntime.Hostname(pod),
        };
    }

    /// <summary>vCPUs and guest RAM of a hand-written VM pod: limits, else requests; CPU rounded up (≥ 1), memory in MiB rounded up (≥ 16).</summary>
    public static (int Vcpus, int MemoryMiB) FromResources(V1Container container)
    {
        var r = container.Resources;
        decimal? Get(string name) =>
            r?.Limits is { } l && l.TryGetValue(name, out var q) ? q.ToDecimal()
            : r?.Requests is { } rq && rq.TryGetValue(name, out var q2) ? q2.ToDecimal()
            : null;
        var cpu = Get("cpu") is { } c ? (int)Math.Max(1, Math.Ceiling(c)) : 1;
        var memory = Get("memory") is { } m ? (int)Math.Max(16, Math.Ceiling(m / (1024m * 1024m))) : DefaultMemoryMiB;
        return (cpu, memory);
    }

    private static (VmBoot Boot, IReadOnlyList<VmDisk> Disks) FromContract(VmPodSpec contract, ImageFiles image, string imageName, IReadOnlyDictionary<string, ClaimDisk> claims)
    {
        var names = new DiskNames();
        var disks = new List<VmDisk>();
        VmDisk? bootDisk = null;
        foreach (var d in contract.Disks)
        {
            var name = names.For(d.Name);
            VmDisk disk = d.Source switch
            {
                VmPodDisk.ContainerDiskSource => VmDisk.Overlay(name, d.Path is { } p ? Require(image, imageName, p, "disk") : TheDisk(image, imageName)) with { ReadOnly = d.ReadOnly },
                VmPodDisk.EmptyDiskSource => VmDisk.Empty(name, d.CapacityBytes is > 0 ? d.CapacityBytes.Value : throw new ContainerConfigException($"emptyDisk \"{d.Name}\" has no capacity")),
                VmPodDisk.PersistentVolumeClaimSource => claims.TryGetValue(d.Volume ?? d.Name, out var claim)
                    ? VmDisk.Direct(name, claim.ImagePath, d.ReadOnly)
                    : throw new ContainerConfigException($"disk \"{d.Name}\": the volume \"{d.Volume ?? d.Name}\" of its claim was not resolved on this node"),
                _ => throw new ContainerConfigException($"disk \"{d.Name}\" has an unknown source \"{d.Source}\""),
            };
            if (contract.Boot.Kind == VmPodBoot.DiskKind && d.Name == contract.Boot.Disk && bootDisk is null)
            {
                bootDisk = disk;
            }
            else
            {
                disks.Add(disk);
            }
        }

        switch (contract.Boot.Kind)
        {
            case VmPodBoot.KernelKind:
                var kernel = Require(image, imageName, contract.Boot.KernelPath ?? DefaultKernelPath, "kernel");
                var initrd = contract.Boot.InitrdPath is { } i ? Require(image, imageName, i, "initrd") : null;
                return (new KernelBoot(kernel, initrd, contract.Boot.KernelArgs), disks);
            case VmPodBoot.DiskKind when bootDisk is not null:
                return (new DiskBoot(bootDisk), disks);
            case VmPodBoot.DiskKind:
                throw new ContainerConfigException($"boot disk \"{contract.Boot.Disk}\" is not among the VM's disks");
            default:
                throw new ContainerConfigException($"unknown boot kind \"{contract.Boot.Kind}\" in {KubeVirtNames.SpecAnnotation}");
        }
    }

    private static (VmBoot Boot, IReadOnlyList<VmDisk> Disks) FromImage(ImageFiles image, string imageName, IReadOnlyDictionary<string, string> annotations)
    {
        var files = image.ListFiles(DiskDirectory);
        if (files.Count > 0)
        {
            return (new DiskBoot(VmDisk.Overlay("containerdisk", OneDisk(files, imageName))), []);
        }

        if (image.FindFile(DefaultKernelPath) is { } kernel)
        {
            return (new KernelBoot(kernel, image.FindFile(DefaultInitrdPath), annotations.GetValueOrDefault(VmPodAnnotations.KernelArgs)), []);
        }

        throw new ContainerCreateException(
            $"image \"{imageName}\" is not a VM image: it has no disk file under {DiskDirectory}/ (containerDisk) and no kernel at {DefaultKernelPath} (kernel boot)");
    }

    private static VmNetwork Network(V1Container container, VmPodSpec? contract, IReadOnlyDictionary<string, string> annotations, PodSandboxInfo sandbox, Dns dns)
    {
        var net = sandbox.Network!;
        VmNetworkMode mode;
        IReadOnlyList<int> ports;
        if (contract is not null)
        {
            mode = contract.Network?.Binding == VmPodNetwork.MasqueradeBinding ? VmNetworkMode.Masquerade : VmNetworkMode.Bridge;
            ports = contract.Network?.Ports.Select(p => p.Port).Where(p => p > 0).Distinct().ToList() ?? [];
        }
        else
        {
            mode = annotations.GetValueOrDefault(VmPodAnnotations.Network) switch
            {
                null or "" or "bridge" => VmNetworkMode.Bridge,
                "masquerade" => VmNetworkMode.Masquerade,
                var other => throw new ContainerConfigException($"annotation {VmPodAnnotations.Network}: \"{other}\" is neither \"bridge\" nor \"masquerade\""),
            };
            ports = (container.Ports ?? []).Select(p => p.ContainerPort).Where(p => p > 0).Distinct().ToList();
        }

        return new VmNetwork
        {
            NetnsPath = sandbox.NetnsPath!,
            PodIp = net.PodIP,
            PrefixLength = net.PrefixLength,
            Gateway = net.Gateway,
            PodInterface = net.InterfaceName,
            Mode = mode,
            ForwardedPorts = mode == VmNetworkMode.Masquerade ? ports : [],
            DnsServers = dns.Servers,
            DnsSearches = dns.Searches,
        };
    }

    /// <summary>Whether the contract leaves the guest without a NIC (<c>autoattachPodInterface: false</c>).</summary>
    public static bool WithoutNic(VmPodSpec? contract) => contract is not null && contract.Network is null;

    private static string TheDisk(ImageFiles image, string imageName)
    {
        var files = image.ListFiles(DiskDirectory);
        return files.Count > 0
            ? OneDisk(files, imageName)
            : throw new ContainerCreateException($"image \"{imageName}\" is not a containerDisk: it has no file under {DiskDirectory}/");
    }

    private static string OneDisk(IReadOnlyList<(string Name, string HostPath)> files, string imageName) => files.Count == 1
        ? files[0].HostPath
        : throw new ContainerCreateException(
            $"image \"{imageName}\" has {files.Count} files under {DiskDirectory}/ ({string.Join(", ", files.Select(f => f.Name))}): a containerDisk holds exactly one (or name it with containerDisk.path)");

    private static string Require(ImageFiles image, string imageName, string path, string what) =>
        image.FindFile(path) ?? throw new ContainerCreateException($"image \"{imageName}\" has no {what} at {path}");

    /// <summary>
    /// VMI disk names (DNS labels, up to 63 characters) as the VM runtime accepts them ([a-z0-9][a-z0-9-]{0,19}, not
    /// <c>cidata</c>, unique): cut to 20 characters; a clash gets a numeric suffix. The name is the guest's
    /// <c>/dev/disk/by-id/virtio-NAME</c>.
    /// </summary>
    internal sealed partial class DiskNames
    {
        private readonly HashSet<string> _used = new(StringComparer.Ordinal) { "cidata" };

        public string For(string name)
        {
            var clean = Invalid().Replace(name.ToLowerInvariant(), "-").Trim('-');
            clean = clean.Length == 0 ? "disk" : clean;
            clean = clean.Length > 20 ? clean[..20].TrimEnd('-') : clean;
            var candidate = clean;
            for (var i = 1; !_used.Add(candidate); i++)
            {
                var suffix = "-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                candidate = (clean.Length + suffix.Length > 20 ? clean[..(20 - suffix.Length)].TrimEnd('-') : clean) + suffix;
            }

            return candidate;
        }

        [GeneratedRegex("[^a-z0-9-]")]
        private static partial Regex Invalid();
    }

    /// <summary>The pod's cluster DNS as its resolv.conf would have it (ClusterFirst: the node's DNS on the bridge gateway and the namespace's search list).</summary>
    public static Dns DnsFor(V1Pod pod, IPAddress clusterDns, string clusterDomain, Berth.Network.Dns.ResolvConf host)
    {
        var conf = Berth.Network.Dns.ResolvConf.ForPod(pod.Spec.DnsPolicy, pod.Metadata.NamespaceProperty ?? "default", false, [clusterDns], clusterDomain, host, pod.Spec.DnsConfig);
        return new Dns([.. conf.Nameservers.Select(a => a.ToString())], [.. conf.Searches]);
    }
}
