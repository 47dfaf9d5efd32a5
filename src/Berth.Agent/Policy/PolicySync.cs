using System.Net;
using System.Text.Json.Nodes;
using Berth.Agent.Services;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Network.Pods;
using Berth.Network.Policy;
using Microsoft.Extensions.Logging;

namespace Berth.Agent.Policy;

/// <summary>
/// The node's NetworkPolicy feed (what a CNI plugin's policy agent does on a node): list + watch caches of every pod
/// (peers), every namespace and every NetworkPolicy, turned into a <see cref="PolicyState"/> and handed to a
/// <see cref="NetworkPolicyLoop"/> over <see cref="NftablesPolicyEnforcer"/> (table <see cref="TableName"/>).
/// <code>
///   pods (all) ┐
///   namespaces ├─▶ ObjectCache ─Changed─▶ 20 ms coalescing ─▶ state ─▶ NetworkPolicyLoop ─▶ nft -f (one transaction)
///   netpols    ┘                                              ▲
///   Network.SetUpAsync (a pod of this node got its address) ──┘ synchronous: state, then wait for the generation
/// </code>
/// <para>
/// Addresses of this node's pods come from the pod network itself (<see cref="Network"/>, seeded at start from the
/// networks on disk), not from <c>status.podIP</c>: a pod is in the state from the moment its network exists, before
/// its status reaches the API, and not after its network is torn down even while the API still shows its old
/// address (which the IPAM may already have given to a new pod). Other nodes' pods come from <c>status.podIP</c>.
/// </para>
/// <para>
/// Protection from the first packet: <see cref="Network"/> wraps the node's <see cref="IPodNetwork"/>; its
/// <c>SetUpAsync</c> returns only once the state that includes the new pod is enforced, when a NetworkPolicy exists
/// in the pod's namespace (no policy there: nothing can isolate the pod, and pod start-up pays nothing). Runtimes
/// call it before starting any container, so no packet reaches or leaves the pod before its rules are in place.
/// </para>
/// <para>
/// While the cluster has no NetworkPolicy the table does not exist (<see cref="OnDemandPolicyEnforcer"/>): nothing is
/// isolated, and a node without policies carries no policy rule. On stop, the table is removed when no pod network is
/// left (pods outlive the agent, and so do the rules protecting them).
/// </para>
/// </summary>
internal sealed partial class PolicySync : IAsyncDisposable
{
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(20);
    private readonly AgentOptions _options;
    private readonly IPodNetwork _inner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ObjectCache<PolicyPodEntry> _pods;
    private readonly ObjectCache<JsonObject> _namespaces;
    private readonly ObjectCache<JsonObject> _policies;
    private readonly OnDemandPolicyEnforcer _enforcer;
    private readonly NetworkPolicyLoop _loop;
    private readonly SemaphoreSlim _changed = new(0, 1);
    private readonly Lock _apply = new();
    private readonly Dictionary<string, IPAddress> _local = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seeded = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    public PolicySync(AgentOptions options, IApiClient api, IPodNetwork network, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _inner = network;
        _time = time;
        _logger = loggers.CreateLogger<PolicySync>();
        _pods = new ObjectCache<PolicyPodEntry>(api, ResourceRegistry.Default.Find("", "v1", "pods")!, time, _logger,
            (pod, parsed) => parsed is { } p ? PolicyPodEntry.From(p) : PolicyPodEntry.From(pod));
        _namespaces = ObjectCache.Whole(api, ResourceRegistry.Default.Find("", "v1", "namespaces")!, time, _logger);
        _policies = ObjectCache.Whole(api, ResourceRegistry.Default.Find("networking.k8s.io", "v1", "networkpolicies")!, time, _logger);
        TableName = options.BridgeName == "berth0" ? "berth-policy" : options.BridgeName + "-policy";
        _enforcer = new OnDemandPolicyEnforcer(new NftablesPolicyEnforcer(new NetworkPolicyOptions { TableName = TableName }, loggers.CreateLogger<NftablesPolicyEnforcer>()));
        _loop = new NetworkPolicyLoop(_enforcer, time, TimeSpan.FromSeconds(1), loggers.CreateLogger<NetworkPolicyLoop>());
        Network = new PolicyGatedPodNetwork(network, this);
    }

    /// <summary>The nftables table: <c>berth-policy</c> on the default bridge, else <c>BRIDGE-policy</c> (test nodes side by side).</summary>
    public string TableName { get; }

    /// <summary>The node's pod network, gated: what the pod runtimes must use.</summary>
    public IPodNetwork Network { get; }

    /// <summary>Completes when the three caches have listed once (the state is then whole).</summary>
    public Task Synced => Task.WhenAll(_pods.Synced, _namespaces.Synced, _policies.Synced);

    /// <summary>The generation of the newest state the kernel enforces (see <see cref="NetworkPolicyLoop"/>).</summary>
    public long AppliedGeneration => _loop.AppliedGeneration;

    /// <summary>Seeds this node's pod addresses from the networks on disk, then starts the caches and the loop.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        try
        {
            foreach (var n in await _inner.ListAsync(ct))
            {
                lock (_apply)
                {
                    if (_local.TryAdd(n.PodUid, n.PodIP))
                    {
                        _seeded.Add(n.PodUid);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Text.Json.JsonException)
        {
            LogSeedFailed(_logger, e.Message);
        }

        _loop.Start();
        _run = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>
    /// A pod of this node has its address: record it and, when a NetworkPolicy exists in its namespace, return once the
    /// state including the pod is enforced. Throws (the sandbox set-up fails and is retried) when that cannot be done
    /// within the deadlines: the caches never listed, the pod never showed up in the pod cache, or the rules were not
    /// applied.
    /// </summary>
    public async Task AdmitAsync(PodNetworkStatus pod, CancellationToken ct)
    {
        lock (_apply)
        {
            _local[pod.PodUid] = pod.PodIP;
            _seeded.Remove(pod.PodUid);
        }

        var started = _time.GetTimestamp();
        await WaitAsync(Synced, TimeSpan.FromSeconds(30), "the pod, namespace and NetworkPolicy lists", ct);
        var ns = pod.PodKey.Split('/')[0];
        if (!_policies.Items().Any(p => Json.String(p, "metadata", "namespace") == ns))
        {
            Signal();
            return;
        }

        // The pod's labels come from the API: its own watch event and the cluster-wide pod cache's are the same write.
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(10);
        while (!_pods.Items().Any(p => p.Uid == pod.PodUid))
        {
            if (_time.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"network policy: pod {pod.PodKey} did not appear in the pod list within 10 s; its rules cannot be set up");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), _time, ct);
        }

        var generation = Apply();
        await WaitAsync(_loop.WaitForAsync(generation, ct), TimeSpan.FromSeconds(10), "the NetworkPolicy rules (nft)", ct);
        LogAdmitted(_logger, pod.PodKey, pod.PodIP.ToString(), (long)_time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>A pod of this node lost its network: its address leaves the state (it may be given to another pod).</summary>
    public void Forget(string podUid)
    {
        lock (_apply)
        {
            _local.Remove(podUid);
            _seeded.Remove(podUid);
        }

        Signal();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        await _loop.DisposeAsync();
        try
        {
            if ((await _inner.ListAsync(CancellationToken.None)).Count == 0)
            {
                await _enforcer.CleanupAsync(CancellationToken.None);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCleanupFailed(_logger, e.Message);
        }

        _stop.Dispose();
    }

    /// <summary>Builds the state from the caches and this node's addresses and queues it; returns its generation.</summary>
    internal long Apply()
    {
        lock (_apply)
        {
            var policies = _policies.Items();
            // No policy anywhere: nothing to enforce, and no need to copy out, let alone map, every pod of the cluster on
            // every pod change (this runs every few tens of milliseconds while pods are being created).
            IReadOnlyList<PolicyPodEntry> pods = policies.Count > 0 || _seeded.Count > 0 ? _pods.Items() : [];
            var state = PolicyStates.Build(_options.NodeName, policies.Count == 0 ? [] : pods, _namespaces.Items(), policies, _local,
                (what, e) => LogInvalid(_logger, what, e.Message));

            // Networks found on disk at start whose pods the API no longer has are orphans the agent removes: forget them.
            if (_seeded.Count > 0)
            {
                var uids = pods.Select(p => p.Uid).ToHashSet(StringComparer.Ordinal);
                foreach (var uid in _seeded.Where(u => !uids.Contains(u)).ToList())
                {
                    _seeded.Remove(uid);
                    _local.Remove(uid);
                }
            }

            return _loop.Update(state);
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        _pods.Changed += Signal;
        _namespaces.Changed += Signal;
        _policies.Changed += Signal;
        var caches = Task.WhenAll(
            Task.Run(() => _pods.RunAsync(ct), CancellationToken.None),
            Task.Run(() => _namespaces.RunAsync(ct), CancellationToken.None),
            Task.Run(() => _policies.RunAsync(ct), CancellationToken.None));
        try
        {
            await Synced.WaitAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                Apply();
                await _changed.WaitAsync(ct);
                await Task.Delay(Coalesce, _time, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await caches;
    }

    private async Task WaitAsync(Task task, TimeSpan timeout, string what, CancellationToken ct)
    {
        try
        {
            await task.WaitAsync(timeout, _time, ct);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"network policy: {what} not ready within {timeout.TotalSeconds:F0} s; the pod is not started unprotected");
        }
    }

    private void Signal()
    {
        try
        {
            _changed.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    [LoggerMessage(EventId = 3501, Level = LogLevel.Warning, Message = "network policy: ignoring {What}: {Reason}")]
    private static partial void LogInvalid(ILogger logger, string what, string reason);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Information, Message = "network policy: {Pod} ({Address}) protected before its start, {ElapsedMs} ms")]
    private static partial void LogAdmitted(ILogger logger, string pod, string address, long elapsedMs);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Warning, Message = "network policy: pod networks on disk not read: {Error}")]
    private static partial void LogSeedFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 3504, Level = LogLevel.Warning, Message = "network policy: cleanup failed: {Error}")]
    private static partial void LogCleanupFailed(ILogger logger, string error);
}
