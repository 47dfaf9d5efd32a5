using System.Net;
using System.Text;
using Berth.Network.Dns;
using Berth.Network.Pods;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Runtime;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// <see cref="IPodRuntime"/> on <see cref="OciRuntime"/>: the sandbox is a CNI network namespace
/// (<see cref="IPodNetwork"/>), IPC+UTS namespaces kept as bind mounts (<see cref="PodNamespaces"/>), the kubelet's
/// managed /etc/hosts, a resolv.conf from <see cref="ResolvConf.ForPod"/> pointing at the cluster DNS on the bridge
/// gateway, /etc/hostname, and the volumes (<see cref="VolumeBuilder"/>), all under <c>DATA_DIR/pods/UID</c>.
/// </summary>
internal sealed class OciPodRuntime(
    OciRuntime runtime,
    IPodNetwork network,
    ImageStore images,
    AgentOptions options,
    Func<NodeFacts> node) : IPodRuntime
{
    public string Name => runtime.Name;

    public ImageStore Images => images;

    public OciRuntime Oci => runtime;

    public string PodDir(string uid) => Path.Combine(options.PodsDir, uid);

    public async Task<PodSandboxInfo> SetUpSandboxAsync(V1Pod pod, IPodObjects objects, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid;
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var facts = node();
        var hostNetwork = pod.Spec.HostNetwork == true;
        var hostname = Hostname(pod);
        // The network (CNI) and the IPC/UTS namespaces are independent: made side by side, they cost the longer of the two.
        Task<PodNetworkStatus?> net = hostNetwork
            ? Task.FromResult<PodNetworkStatus?>(null)
            : SetUpNetworkAsync(pod, ns, uid, ct);
        string? ipc = null, uts = null;
        Task namespaces = Task.CompletedTask;
        if (pod.Spec.HostIPC != true || !hostNetwork)
        {
            var pns = PodNamespaces.For(uid);
            namespaces = pns.CreateAsync(hostname, ct);
            ipc = pod.Spec.HostIPC == true ? null : pns.IpcPath;
            uts = hostNetwork ? null : pns.UtsPath;
        }

        await Task.WhenAll(net, namespaces);
        var status = await net;
        var netns = status?.NetnsPath;
        var podIp = status?.PodIP.ToString() ?? facts.InternalIP;

        var dir = PodDir(uid);
        Directory.CreateDirectory(dir);
        var hosts = Path.Combine(dir, "etc-hosts");
        var resolv = Path.Combine(dir, "resolv.conf");
        var hostnameFile = Path.Combine(dir, "hostname");
        WriteIfChanged(hosts, hostNetwork ? HostNetworkHosts(pod) : ManagedHosts(pod, podIp, hostname, options.ClusterDomain));
        var hostResolv = File.Exists("/etc/resolv.conf") ? ResolvConf.Parse(File.ReadAllText("/etc/resolv.conf")) : new ResolvConf([], [], []);
        var resolvConf = ResolvConf.ForPod(pod.Spec.DnsPolicy, ns, hostNetwork, [options.PodCidrGateway()], options.ClusterDomain, hostResolv, pod.Spec.DnsConfig);
        WriteIfChanged(resolv, resolvConf.ToString());
        WriteIfChanged(hostnameFile, (hostNetwork ? Environment.MachineName : hostname) + "\n");
        var volumes = await VolumeBuilder.BuildAsync(pod, dir, podIp, facts.InternalIP, facts.Allocatable, objects, ct, Volumes.ClaimNode.Of(options));
        return new PodSandboxInfo
        {
            NetnsPath = netns,
            IpcPath = ipc,
            UtsPath = uts,
            Hostname = hostname,
            HostsFile = hosts,
            ResolvConfFile = resolv,
            HostnameFile = hostnameFile,
            PodIP = podIp,
            Network = status,
            Volumes = volumes,
        };
    }

    private async Task<PodNetworkStatus?> SetUpNetworkAsync(V1Pod pod, string ns, string uid, CancellationToken ct)
    {
        var ports = (pod.Spec.Containers ?? []).SelectMany(c => c.Ports ?? [])
            .Where(p => p.HostPort is > 0)
            .Select(p => new HostPortMapping(p.ContainerPort, p.HostPort!.Value, p.Protocol ?? "TCP", p.HostIP))
            .ToList();
        return await network.SetUpAsync(new PodNetworkRequest($"{ns}/{pod.Metadata.Name}", uid, ports), ct);
    }

    public async Task TearDownSandboxAsync(string podUid, CancellationToken ct)
    {
        await PodNamespaces.For(podUid).RemoveAsync(ct);
        VolumeBuilder.TearDown(PodDir(podUid));
        await network.TearDownAsync(podUid, ct);
    }

    public async Task<RuntimeSpec> PrepareAsync(ContainerRequest request, CancellationToken ct)
    {
        var facts = node();
        var env = await EnvResolver.ResolveAsync(request.Pod, request.Container, request.Sandbox.PodIP, facts.InternalIP, facts.Allocatable, request.Objects, ct);
        var spec = ContainerSpecFactory.Build(request.Pod, request.Container, request.Kind, request.RestartCount, request.Image, env, request.Sandbox, request.LogPath);
        return new OciRuntimeSpec { Id = spec.Id, LogPath = spec.LogPath, Spec = spec };
    }

    public Task<ContainerStatus> CreateAsync(RuntimeSpec spec, CancellationToken ct) => spec is OciRuntimeSpec oci
        ? runtime.CreateAsync(oci.Spec, ct)
        : throw new ArgumentException($"{Name} cannot create a {spec.GetType().Name}", nameof(spec));

    public Task StartAsync(string id, CancellationToken ct) => runtime.StartAsync(id, ct);

    public Task<ContainerStatus?> StatusAsync(string id, CancellationToken ct) => runtime.StatusAsync(id, ct);

    public Task<ContainerStatus> StopAsync(string id, TimeSpan grace, int signal, CancellationToken ct) => runtime.StopAsync(id, grace, ct, signal);

    public Task DeleteAsync(string id, CancellationToken ct) => runtime.DeleteAsync(id, ct);

    public Task<IReadOnlyList<ContainerStatus>> ListAsync(CancellationToken ct) => runtime.ListAsync(ct);

    public Task<int> ExecAsync(string id, ExecSpec spec, CancellationToken ct) => runtime.ExecAsync(id, spec, ct);

    public async Task<(int ExitCode, string Output)> ExecCaptureAsync(string id, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        var (code, stdout, stderr) = await runtime.ExecCaptureAsync(id, command, timeout, ct);
        return (code, stdout + stderr);
    }

    /// <summary>spec.hostname, else the pod name, cut to 63 characters without a trailing '-' or '.' (the kubelet's <c>GeneratePodHostNameAndDomain</c>).</summary>
    public static string Hostname(V1Pod pod)
    {
        var name = !string.IsNullOrEmpty(pod.Spec.Hostname) ? pod.Spec.Hostname : pod.Metadata.Name;
        if (name.Length > 63)
        {
            name = name[..63].TrimEnd('-', '.');
        }

        return name;
    }

    /// <summary>The kubelet's <c>managedHostsFileContent</c>.</summary>
    public static string ManagedHosts(V1Pod pod, string podIp, string hostname, string clusterDomain)
    {
        var sb = new StringBuilder();
        sb.Append("# Kubernetes-managed hosts file.\n");
        sb.Append("127.0.0.1\tlocalhost\n");
        sb.Append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        sb.Append("fe00::0\tip6-localnet\n");
        sb.Append("fe00::0\tip6-mcastprefix\n");
        sb.Append("fe00::1\tip6-allnodes\n");
        sb.Append("fe00::2\tip6-allrouters\n");
        if (!string.IsNullOrEmpty(pod.Spec.Subdomain))
        {
            sb.Append(podIp).Append('\t').Append(hostname).Append('.').Append(pod.Spec.Subdomain).Append('.')
              .Append(pod.Metadata.NamespaceProperty).Append(".svc.").Append(clusterDomain).Append('\t').Append(hostname).Append('\n');
        }
        else
        {
            sb.Append(podIp).Append('\t').Append(hostname).Append('\n');
        }

        AppendAliases(sb, pod);
        return sb.ToString();
    }

    private static string HostNetworkHosts(V1Pod pod)
    {
        var sb = new StringBuilder(File.Exists("/etc/hosts") ? File.ReadAllText("/etc/hosts") : "127.0.0.1\tlocalhost\n");
        AppendAliases(sb, pod);
        return sb.ToString();
    }

    private static void AppendAliases(StringBuilder sb, V1Pod pod)
    {
        if (pod.Spec.HostAliases is { Count: > 0 } aliases)
        {
            sb.Append("\n# Entries added by HostAliases.\n");
            foreach (var a in aliases)
            {
                sb.Append(a.Ip).Append('\t').Append(string.Join('\t', a.Hostnames ?? [])).Append('\n');
            }
        }
    }

    private static void WriteIfChanged(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content)
        {
            return;
        }

        var tmp = path + ".tmp";
        File.WriteAllText(tmp, content);
        File.SetUnixFileMode(tmp, (UnixFileMode)0x1A4);
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>What the node knows about itself that pods need: its address and allocatable resources.</summary>
internal sealed record NodeFacts(string InternalIP, NodeAllocatable Allocatable);

internal static class AgentOptionsExtensions
{
    public static IPAddress PodCidrGateway(this AgentOptions options)
    {
        var b = options.PodCidr.BaseAddress.GetAddressBytes();
        b[^1] += 1;
        return new IPAddress(b);
    }
}
