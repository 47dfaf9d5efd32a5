using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Agent.Pods;
using Berth.Api.KubeVirt;
using Berth.Api.Resources;
using Berth.Network.Dns;
using Berth.Network.Pods;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Runtime;
using Berth.Runtime.Vm;
using k8s.Models;

namespace Berth.Agent.Vm;

/// <summary>
/// <see cref="IPodRuntime"/> for pods with <c>runtimeClassName: vm</c> (ARCHITECTURE.md decision 4, "a VM is a pod"):
/// the pod's one container is a QEMU virtual machine run by <see cref="VmRuntime"/>.
/// <list type="bullet">
/// <item>Sandbox: the pod's CNI network namespace only (no IPC/UTS namespaces, /etc files or mounted volumes: nothing
///   runs beside the guest; a persistentVolumeClaim volume is a disk, <see cref="ClaimDisks"/>), plus <c>DATA_DIR/pods/UID/vm-instance.json</c>, the instance's
///   <see cref="ContainerAnnotations"/>, so that a restarted agent adopts the running VM.</item>
/// <item>An instance is a VM whose id is the pod UID (its console is <c>DATA_DIR/vm/UID/console.sock</c>); a restart
///   deletes the exited VM and creates it again under the same id (a containerDisk comes back fresh), with the
///   next restart count's log file.</item>
/// <item>Stop is the ACPI power button, then QEMU's <c>quit</c> after the grace period (the stop signal is
///   meaningless to a VM); exec is refused (<see cref="ExecRefusal"/>).</item>
/// </list>
/// The spec comes from <see cref="VmSpecFactory"/>; the first instance of every pod records an event saying whether
/// the VM runs under KVM or TCG, and why.
/// </summary>
internal sealed class VmPodRuntime(VmRuntime vms, IPodNetwork network, ImageStore images, AgentOptions options, TimeProvider time) : IPodRuntime
{
    /// <summary>The RuntimeClass (<c>vm</c>) whose pods run here.</summary>
    public const string RuntimeClassName = KubeVirtNames.RuntimeClass;

    private const string RecordFile = "vm-instance.json";

    public string Name => "vm";

    public ImageStore Images => images;

    public VmRuntime Vms => vms;

    /// <summary>What <c>kubectl exec</c> on a VM pod answers (400).</summary>
    public static string ExecRefusal(string podName) =>
        $"pod {podName} runs a virtual machine: exec is not supported; use `berth vm console`";

    public async Task<PodSandboxInfo> SetUpSandboxAsync(V1Pod pod, IPodObjects objects, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid;
        Directory.CreateDirectory(PodDir(uid));
        PodNetworkStatus? status = null;
        if (pod.Spec.HostNetwork != true)
        {
            var ports = (pod.Spec.Containers ?? []).SelectMany(c => c.Ports ?? [])
                .Where(p => p.HostPort is > 0)
                .Select(p => new HostPortMapping(p.ContainerPort, p.HostPort!.Value, p.Protocol ?? "TCP", p.HostIP))
                .ToList();
            status = await network.SetUpAsync(new PodNetworkRequest($"{pod.Metadata.NamespaceProperty ?? "default"}/{pod.Metadata.Name}", uid, ports), ct);
        }

        return new PodSandboxInfo
        {
            NetnsPath = status?.NetnsPath,
            Hostname = OciPodRuntime.Hostname(pod),
            PodIP = status?.PodIP.ToString() ?? "",
            Network = status,
        };
    }

    public async Task TearDownSandboxAsync(string podUid, CancellationToken ct)
    {
        await network.TearDownAsync(podUid, ct);
        var dir = PodDir(podUid);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        // The VM runtime removes PARENT/vm-ID; the pod's own group goes with the pod.
        Cgroups.Remove("/berth/pod" + podUid, "/berth");
    }

    public async Task<RuntimeSpec> PrepareAsync(ContainerRequest request, CancellationToken ct)
    {
        var pod = request.Pod;
        var host = File.Exists("/etc/resolv.conf") ? ResolvConf.Parse(await File.ReadAllTextAsync("/etc/resolv.conf", ct)) : new ResolvConf([], [], []);
        var dns = VmSpecFactory.DnsFor(pod, options.PodCidrGateway(), options.ClusterDomain, host);
        var claims = await ClaimDisks.ResolveAsync(pod, request.Objects, Volumes.ClaimNode.Of(options), time, ct);
        foreach (var (volume, disk) in claims)
        {
            VolumeBuilder.RecordClaim(PodDir(pod.Metadata.Uid), volume, disk.Directory);
        }

        var spec = VmSpecFactory.Build(pod, request.Container, new ImageFiles(request.Image.LayerDirs), request.Container.Image ?? request.Image.Reference, request.Sandbox, request.LogPath, dns, claims);
        var accel = await vms.GetAccelerationAsync(ct);
        var note = accel.KvmUsable
            ? ("Normal", "Accelerator", $"the VM runs under KVM: {accel.Reason}")
            : ("Warning", "Accelerator", $"the VM runs under TCG, not KVM: {accel.Reason}");
        return new VmRuntimeSpec
        {
            Id = spec.Id,
            LogPath = request.LogPath,
            Spec = spec,
            Events = [note],
            ClaimDisks = [.. claims.Values],
            Annotations = new Dictionary<string, string>
            {
                [ContainerAnnotations.PodUid] = pod.Metadata.Uid,
                [ContainerAnnotations.PodNamespace] = pod.Metadata.NamespaceProperty ?? "default",
                [ContainerAnnotations.PodName] = pod.Metadata.Name,
                [ContainerAnnotations.ContainerName] = request.Container.Name,
                [ContainerAnnotations.Kind] = "regular",
                [ContainerAnnotations.RestartCount] = request.RestartCount.ToString(CultureInfo.InvariantCulture),
                [ContainerAnnotations.SpecHash] = request.Container.Image ?? "",
                [ContainerAnnotations.Image] = request.Image.Reference,
                [ContainerAnnotations.ImageId] = request.Image.Digest,
            },
        };
    }

    public async Task<ContainerStatus> CreateAsync(RuntimeSpec spec, CancellationToken ct)
    {
        if (spec is not VmRuntimeSpec vm)
        {
            throw new ArgumentException($"{Name} cannot create a {spec.GetType().Name}", nameof(spec));
        }

        var uid = vm.Annotations[ContainerAnnotations.PodUid];
        Directory.CreateDirectory(PodDir(uid));
        WriteRecord(uid, vm.Annotations);
        try
        {
            foreach (var disk in vm.ClaimDisks)
            {
                EnsureDiskImage(disk);
            }

            var status = await vms.CreateAsync(vm.Spec, ct);
            return VmContainerStatus.From(status, vm.Spec, vm.Annotations);
        }
        catch (Exception e) when (e is VmRuntimeException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            File.Delete(Path.Combine(PodDir(uid), RecordFile));
            throw new ContainerRuntimeException(e.Message, e);
        }
    }

    public async Task StartAsync(string id, CancellationToken ct)
    {
        try
        {
            await vms.StartAsync(id, ct);
        }
        catch (VmRuntimeException e)
        {
            throw new ContainerRuntimeException(e.Message, e);
        }
    }

    public async Task<ContainerStatus?> StatusAsync(string id, CancellationToken ct)
    {
        try
        {
            var status = await vms.StatusAsync(id, ct);
            return VmContainerStatus.From(status, vms.GetSpec(id), ReadRecord(id));
        }
        catch (VmNotFoundException)
        {
            return null;
        }
    }

    public async Task<ContainerStatus> StopAsync(string id, TimeSpan grace, int signal, CancellationToken ct)
    {
        _ = signal;
        try
        {
            var status = await vms.StopAsync(id, grace, ct);
            return VmContainerStatus.From(status, vms.GetSpec(id), ReadRecord(id));
        }
        catch (VmRuntimeException e)
        {
            throw new ContainerRuntimeException(e.Message, e);
        }
    }

    public async Task DeleteAsync(string id, CancellationToken ct)
    {
        await vms.DeleteAsync(id, ct);
        var record = Path.Combine(PodDir(id), RecordFile);
        if (File.Exists(record))
        {
            File.Delete(record);
        }
    }

    /// <summary>Every VM under <c>DATA_DIR/vm</c> (call <see cref="VmRuntime.AdoptAsync"/> first after an agent start), with the annotations of its instance.</summary>
    public Task<IReadOnlyList<ContainerStatus>> ListAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        IReadOnlyList<ContainerStatus> list = vms.List().Select(s => VmContainerStatus.From(s, vms.GetSpec(s.Id), ReadRecord(s.Id))).ToList();
        return Task.FromResult(list);
    }

    public Task<int> ExecAsync(string id, ExecSpec spec, CancellationToken ct) =>
        throw new ContainerRuntimeException(ExecRefusal(PodNameOf(id)));

    public Task<(int ExitCode, string Output)> ExecCaptureAsync(string id, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct) =>
        throw new ContainerRuntimeException(ExecRefusal(PodNameOf(id)));

    /// <summary>Removes what a VM pod left when the pod is gone (an orphan found at agent start): the VM, then its pod cgroup.</summary>
    public async Task RemoveOrphanAsync(string id, CancellationToken ct)
    {
        await DeleteAsync(id, ct);
        Cgroups.Remove("/berth/pod" + id, "/berth");
    }

    /// <summary>The volume directory as the local provisioner expects it (0777, like hostPath DirectoryOrCreate) and a sparse raw <c>disk.img</c> of the claim's size the first time.</summary>
    private static void EnsureDiskImage(ClaimDisk disk)
    {
        if (!Directory.Exists(disk.Directory))
        {
            Directory.CreateDirectory(disk.Directory, (UnixFileMode)0x1FF);
        }

        if (!File.Exists(disk.ImagePath))
        {
            var tmp = disk.ImagePath + ".tmp";
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            {
                f.SetLength(disk.CapacityBytes);
            }

            File.Move(tmp, disk.ImagePath);
        }
    }

    private string PodDir(string uid) => Path.Combine(options.PodsDir, uid);

    private string PodNameOf(string id) => ReadRecord(id).GetValueOrDefault(ContainerAnnotations.PodName) ?? id;

    private void WriteRecord(string uid, IReadOnlyDictionary<string, string> annotations)
    {
        var path = Path.Combine(PodDir(uid), RecordFile);
        File.WriteAllText(path + ".tmp", new JsonObject(annotations.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))).ToJsonString());
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The instance's annotations (empty when the VM was not made by this agent, or its record is gone).</summary>
    private Dictionary<string, string> ReadRecord(string id)
    {
        var path = Path.Combine(PodDir(id), RecordFile);
        try
        {
            return File.Exists(path) ? Json.StringMap(JsonNode.Parse(File.ReadAllText(path))) : [];
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return [];
        }
    }
}
