using System.Diagnostics;
using System.Net;
using Berth.Agent.Events;
using Berth.Agent.Images;
using Berth.Agent.Nodes;
using Berth.Agent.Pods;
using Berth.Agent.Policy;
using Berth.Agent.Probes;
using Berth.Agent.Services;
using Berth.Agent.Vm;
using Berth.Agent.Volumes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Network.Dns;
using Berth.Network.Pods;
using Berth.Network.Services;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Registry;
using Berth.Runtime.Oci.Runtime;
using Berth.Runtime.Vm;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.Agent;

/// <summary>
/// The node agent (Berth's kubelet), a hosted service:
/// <code>
///   start ─▶ runtime (crun if usable, else runc) ─▶ pod network bridge + cluster DNS on its gateway
///         ─▶ register the Node, renew its Lease every 10 s, report status
///         ─▶ adopt: the runtime's containers, the VMs and the network's pods left by an earlier process
///         ─▶ list pods with spec.nodeName=NODE ─▶ one worker per pod (adopted containers handed over)
///         ─▶ remove orphans (containers, networks, namespaces, volumes, logs of pods that are gone) ─▶ Ready
///         ─▶ watch pods; monitor container exits; remove local volume directories whose PV is gone
///   stop (SIGTERM) ─▶ loops end; containers, shims and pod networks keep running for the next start
///                    (the bridge is removed only when no pod is left)
/// </code>
/// It talks to the API only through <see cref="IApiClient"/>.
/// </summary>
public sealed partial class NodeAgent(AgentOptions options, IApiClient api, ILoggerFactory loggers, TimeProvider? timeProvider = null) : BackgroundService
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ILogger _logger = loggers.CreateLogger("Berth.Agent");
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ResourceType _pods = ResourceRegistry.Default.Find("", "v1", "pods")!;
    private string _runtimeVersion = "unknown";
    private string? _runtimeProblem;
    private NodeFacts _facts = new("127.0.0.1", new NodeAllocatable(1, 0, 0));

    public AgentOptions Options => options;

    /// <summary>Completes once the node is registered and every pod bound here has a worker (the readiness component "node").</summary>
    public Task Ready => _ready.Task;

    internal IPodRuntime? Runtime { get; private set; }

    internal PodWorkers? Workers { get; private set; }

    internal PodNetwork? Network { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(options.DataDir);
        var binary = await ChooseRuntimeAsync(stoppingToken);
        var oci = new OciRuntime(new OciRuntimeOptions { DataDir = options.DataDir, Binary = binary }, loggers.CreateLogger<OciRuntime>(), _time);
        var network = new PodNetwork(new PodNetworkOptions { DataDirectory = options.DataDir, PodCidr = options.PodCidr, BridgeName = options.BridgeName }, loggers.CreateLogger<PodNetwork>());
        Network = network;
        await using var policy = options.NetworkPolicy ? new PolicySync(options, api, network, _time, loggers) : null;
        var images = new ImageStore(options.DataDir, _time);
        RefreshFacts();
        var podRuntime = new OciPodRuntime(oci, policy?.Network ?? network, images, options, () => _facts);
        Runtime = podRuntime;
        await using var vms = new VmRuntime(new VmRuntimeOptions { StateRoot = Path.Combine(options.DataDir, "vm"), LoggerFactory = loggers, TimeProvider = _time });
        var vmPods = new VmPodRuntime(vms, policy?.Network ?? network, images, options, _time);
        await using var events = new EventRecorder(api, options.NodeName, _time, loggers.CreateLogger<EventRecorder>());
        var context = new PodWorkerContext
        {
            Options = options,
            Api = api,
            Runtime = podRuntime,
            VmRuntime = vmPods,
            Images = new ImageManager(images, () => new ImagePuller(images, RegistryOptions.Load(options.DataDir)), _time),
            Events = events,
            Time = _time,
            Logger = _logger,
            Node = () => _facts,
            CrashBackOff = new BackOff(_time, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5)),
        };
        var workers = new PodWorkers(context);
        Workers = workers;
        workers.Start(stoppingToken);

        ClusterDnsServer? dns = null;
        NftablesServiceProxy? proxy = null;
        ServiceProxyLoop? proxyLoop = null;
        try
        {
            try
            {
                await RetryAsync(async ct =>
                {
                    await network.InitializeAsync(ct);
                    return true;
                }, stoppingToken, attempts: 5);
                dns = StartDns();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Pods will report the failure as a sandbox error; the node itself still registers and serves.
                AgentLog.NetworkFailed(_logger, e.Message);
            }

            if (policy is not null)
            {
                await policy.StartAsync(stoppingToken);
            }

            var heartbeat = new NodeHeartbeat(api, options, Sample, _time, _logger);
            await RetryAsync(heartbeat.RegisterAsync, stoppingToken);
            var lease = Task.Run(() => heartbeat.RunLeaseLoopAsync(stoppingToken), CancellationToken.None);
            var status = Task.Run(() => heartbeat.RunStatusLoopAsync(stoppingToken), CancellationToken.None);

            var adopted = await oci.ListAsync(stoppingToken);
            await vms.AdoptAsync(stoppingToken);
            var adoptedVms = await vmPods.ListAsync(stoppingToken);
            workers.SetAdoptable([.. adopted, .. adoptedVms]);
            var list = await RetryAsync(ct => api.ListAsync(_pods, null, new ListOptions { FieldSelector = "spec.nodeName=" + options.NodeName }, ct), stoppingToken);
            var live = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pod in list.Items)
            {
                live.Add(Json.String(pod, "metadata", "uid") ?? "");
                workers.Upsert(pod);
            }

            await RemoveOrphansAsync(oci, vmPods, network, adopted, adoptedVms, live, stoppingToken);
            AgentLog.Ready(_logger, options.NodeName, binary.Name, list.Items.Count);
            _ready.TrySetResult();
            var monitor = Task.Run(() => workers.MonitorExitsAsync(stoppingToken), CancellationToken.None);
            var volumes = Task.Run(() => new LocalVolumeCleaner(api, options, _time, _logger).RunAsync(stoppingToken), CancellationToken.None);
            var services = Task.CompletedTask;
            if (options.ServiceProxy)
            {
                proxy = new NftablesServiceProxy(new ServiceProxyOptions
                {
                    TableName = options.ServiceProxyTable,
                    ServiceCidr = options.ServiceCidr,
                    ClusterCidr = options.ClusterCidr.Contains(options.PodCidr.BaseAddress) ? options.ClusterCidr : options.PodCidr,
                }, loggers.CreateLogger<NftablesServiceProxy>());
                proxyLoop = new ServiceProxyLoop(proxy, _time, TimeSpan.FromSeconds(1), loggers.CreateLogger<ServiceProxyLoop>());
                proxyLoop.Start();
                var sync = new ServiceSync(api, proxyLoop, dns, _time, loggers.CreateLogger<ServiceSync>());
                services = Task.Run(() => sync.RunAsync(stoppingToken), CancellationToken.None);
                if (options.ApiServerPort is { } apiPort)
                {
                    var kubernetesIp = options.ServiceCidr.BaseAddress.GetAddressBytes();
                    kubernetesIp[^1] += 1;
                    await RetryAsync(async ct =>
                    {
                        await ServiceSync.EnsureKubernetesServiceAsync(api, options.PodCidrGateway().ToString(), apiPort, new IPAddress(kubernetesIp).ToString(), ct);
                        return true;
                    }, stoppingToken, attempts: 10);
                }
            }

            await WatchPodsAsync(workers, list.ResourceVersion, stoppingToken);
            await Task.WhenAll(lease, status, monitor, services, volumes);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Never take the whole process down (BackgroundService would stop the host): say so and stay not ready.
            AgentLog.Failed(_logger, e.Message, e);
        }
        finally
        {
            await workers.DrainAsync();
            if (dns is not null)
            {
                await dns.DisposeAsync();
            }

            if (proxyLoop is not null)
            {
                await proxyLoop.DisposeAsync();
            }

            try
            {
                // Pods outlive the agent, and so do the service rules they use; the bridge and the rules go only when no
                // pod is left (so that a stopped node leaves nothing behind).
                if ((await network.ListAsync(CancellationToken.None)).Count == 0)
                {
                    await network.CleanupHostAsync(CancellationToken.None);
                    if (proxy is not null)
                    {
                        await proxy.CleanupAsync(CancellationToken.None);
                    }
                }
            }
            catch (Exception e)
            {
                AgentLog.CleanupFailed(_logger, e.Message);
            }

            _ready.TrySetCanceled(CancellationToken.None);
        }
    }

    private async Task WatchPodsAsync(PodWorkers workers, string resourceVersion, CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var options2 = new ListOptions { FieldSelector = "spec.nodeName=" + options.NodeName, ResourceVersion = resourceVersion, AllowWatchBookmarks = true, TimeoutSeconds = 300 };
                await foreach (var e in api.WatchAsync(_pods, null, options2, ct))
                {
                    if (Json.String(e.Object, "metadata", "resourceVersion") is { Length: > 0 } rv)
                    {
                        resourceVersion = rv;
                    }

                    switch (e.Type)
                    {
                        case ApiWatchEvent.Added or ApiWatchEvent.Modified:
                            workers.Upsert(e.Object);
                            break;
                        case ApiWatchEvent.Deleted:
                            workers.Remove(Json.String(e.Object, "metadata", "uid") ?? "");
                            break;
                    }
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is ApiException or IOException or HttpRequestException or System.Text.Json.JsonException)
            {
                failures++;
                AgentLog.WatchFailed(_logger, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 200 * failures)), _time, ct);
                var list = await api.ListAsync(_pods, null, new ListOptions { FieldSelector = "spec.nodeName=" + options.NodeName }, ct);
                var live = new HashSet<string>(StringComparer.Ordinal);
                foreach (var pod in list.Items)
                {
                    live.Add(Json.String(pod, "metadata", "uid") ?? "");
                    workers.Upsert(pod);
                }

                workers.RemoveAllExcept(live);
                resourceVersion = list.ResourceVersion;
            }
        }
    }

    /// <summary>Removes what belongs to pods that no longer exist: VMs, containers, networks, IPC/UTS namespaces, volumes, logs.</summary>
    private async Task RemoveOrphansAsync(
        OciRuntime oci, VmPodRuntime vmPods, PodNetwork network, IReadOnlyList<ContainerStatus> containers, IReadOnlyList<ContainerStatus> vms, HashSet<string> live, CancellationToken ct)
    {
        // VMs first: deleting one gives its pod namespace back the pod interface, which CNI's DEL below expects.
        foreach (var vm in vms)
        {
            if (!live.Contains(vm.SandboxId ?? vm.Id))
            {
                await vmPods.RemoveOrphanAsync(vm.Id, ct);
                PodWorkerLog.OrphanRemoved(_logger, "virtual machine", vm.Id);
            }
        }

        foreach (var c in containers)
        {
            if (c.Annotations.TryGetValue(ContainerAnnotations.PodUid, out var uid) && !live.Contains(uid))
            {
                await oci.DeleteAsync(c.Id, ct);
                PodWorkerLog.OrphanRemoved(_logger, "container", c.Id);
            }
        }

        foreach (var uid in await network.GarbageCollectAsync(live, ct))
        {
            PodWorkerLog.OrphanRemoved(_logger, "pod network", uid);
        }

        if (Directory.Exists(options.PodsDir))
        {
            foreach (var dir in Directory.EnumerateDirectories(options.PodsDir))
            {
                var uid = Path.GetFileName(dir);
                if (!live.Contains(uid))
                {
                    await PodNamespaces.For(uid).RemoveAsync(ct);
                    VolumeBuilder.TearDown(dir);
                    PodWorkerLog.OrphanRemoved(_logger, "pod directory", uid);
                }
            }
        }

        if (Directory.Exists(options.LogsDir))
        {
            foreach (var dir in Directory.EnumerateDirectories(options.LogsDir))
            {
                var uid = Path.GetFileName(dir).Split('_').Last();
                if (!live.Contains(uid))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
    }

    private async Task<OciRuntimeBinary> ChooseRuntimeAsync(CancellationToken ct)
    {
        var candidates = options.Runtime switch
        {
            "runc" => new[] { OciRuntimeBinary.Runc() },
            "crun" => [OciRuntimeBinary.Crun()],
            _ => [OciRuntimeBinary.Crun(), OciRuntimeBinary.Runc()],
        };
        foreach (var b in candidates)
        {
            var probe = await b.ProbeAsync(ct);
            if (probe.Usable)
            {
                _runtimeVersion = $"{b.Name}://{await VersionAsync(b.Path)}";
                return b;
            }

            AgentLog.RuntimeUnusable(_logger, b.Name, probe.Reason ?? "unknown");
            _runtimeProblem = $"{b.Name}: {probe.Reason}";
        }

        var fallback = candidates[^1];
        _runtimeVersion = $"{fallback.Name}://unknown";
        return fallback;
    }

    private static async Task<string> VersionAsync(string path)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(path, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var first = (await p.StandardOutput.ReadToEndAsync()).Split('\n')[0];
            await p.WaitForExitAsync();
            return first.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private ClusterDnsServer? StartDns()
    {
        try
        {
            var dns = new ClusterDnsServer(new ClusterDnsOptions { Listen = [new IPEndPoint(options.PodCidrGateway(), 53)], ClusterDomain = options.ClusterDomain }, loggers.CreateLogger<ClusterDnsServer>());
            dns.Start();
            return dns;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or InvalidOperationException)
        {
            AgentLog.DnsFailed(_logger, e.Message);
            return null;
        }
    }

    private void RefreshFacts()
    {
        var (disk, _) = MachineInfo.Filesystem(options.DataDir);
        _facts = new NodeFacts(MachineInfo.InternalIP, new NodeAllocatable(MachineInfo.Cpus, MachineInfo.MemoryTotalBytes, disk));
    }

    private NodeStatusBuilder.Sample Sample()
    {
        RefreshFacts();
        var (disk, diskFree) = MachineInfo.Filesystem(options.DataDir);
        var (pids, pidMax) = MachineInfo.Pids();
        return new NodeStatusBuilder.Sample(
            MachineInfo.Cpus, MachineInfo.MemoryTotalBytes, MachineInfo.MemoryAvailableBytes, disk, diskFree, pids, pidMax,
            _facts.InternalIP, options.NodeName, _runtimeVersion, _runtimeProblem is null || Runtime is not null, _runtimeProblem);
    }

    private async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct, int attempts = 30)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt < attempts)
            {
                AgentLog.WatchFailed(_logger, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _time, ct);
            }
        }
    }

    private async Task RetryAsync(Func<CancellationToken, Task> call, CancellationToken ct) =>
        await RetryAsync(async c =>
        {
            await call(c);
            return true;
        }, ct);

    private static partial class AgentLog
    {
        [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "node agent ready: node {Node}, runtime {Runtime}, {Pods} pod(s) bound here")]
        public static partial void Ready(ILogger logger, string node, string runtime, int pods);

        [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "pod watch failed: {Error}; listing again")]
        public static partial void WatchFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 3303, Level = LogLevel.Warning, Message = "OCI runtime {Runtime} is not usable here: {Reason}")]
        public static partial void RuntimeUnusable(ILogger logger, string runtime, string reason);

        [LoggerMessage(EventId = 3304, Level = LogLevel.Warning, Message = "cluster DNS not started: {Error}")]
        public static partial void DnsFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 3305, Level = LogLevel.Warning, Message = "node network cleanup failed: {Error}")]
        public static partial void CleanupFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 3306, Level = LogLevel.Error, Message = "pod network could not be initialised: {Error}; pods cannot start until it can")]
        public static partial void NetworkFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 3307, Level = LogLevel.Critical, Message = "node agent stopped: {Error}")]
        public static partial void Failed(ILogger logger, string error, Exception exception);
    }
}
