using System.Diagnostics;
using System.Text.Json.Nodes;
using Berth.Network.Cni;
using Berth.Network.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Network.Pods;

/// <summary>
/// <see cref="IPodNetwork"/> with the standard CNI plugins, invoked directly:
/// <list type="number">
/// <item><c>loopback</c> on <c>lo</c> (its own one-plugin network, as CRI runtimes do);</item>
/// <item><c>bridge</c> (bridge <see cref="PodNetworkOptions.BridgeName"/>, isGateway, ipMasq, hairpinMode) with
/// <c>host-local</c> IPAM over <see cref="PodNetworkOptions.PodCidr"/>;</item>
/// <item><c>portmap</c> (snat) with the pod's hostPorts, only when it has some.</item>
/// </list>
/// ADD runs in that order; DEL in the reverse order with the cached ADD result as prevResult. The records on disk
/// (<see cref="PodNetworkOptions.StateDirectory"/>) make an agent restart adopt rather than re-create.
/// </summary>
public sealed class PodNetwork : IPodNetwork
{
    private const int GateCount = 64;
    private readonly PodNetworkOptions _options;
    private readonly CniInvoker _invoker;
    private readonly PodNetworkRecordStore _records;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim[] _gates = Enumerable.Range(0, GateCount).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly SemaphoreSlim _hostGate = new(1, 1);

    public PodNetwork(PodNetworkOptions options, ILogger<PodNetwork>? logger = null)
    {
        _options = options;
        _invoker = new CniInvoker(options.CniPluginDirectory);
        _records = new PodNetworkRecordStore(options.StateDirectory);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        NetworkList = BuildNetworkList(options);
    }

    /// <summary>The conflist this node uses (bridge + host-local, portmap), for docs and debugging.</summary>
    public CniNetworkList NetworkList { get; }

    public PodNetworkOptions Options => _options;

    /// <summary>The netns name of a pod: the prefix and the first 12 hex digits of its UID.</summary>
    public string NetnsNameOf(string podUid)
    {
        var hex = new string(podUid.Where(char.IsAsciiHexDigit).Take(12).Select(char.ToLowerInvariant).ToArray());
        return _options.NetnsPrefix + (hex.Length > 0 ? hex : podUid);
    }

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _hostGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var br = _options.BridgeName;
            if (!Directory.Exists($"/sys/class/net/{br}"))
            {
                var r = await HostCommand.RunAsync("ip", ["link", "add", br, "type", "bridge"], cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!r.Succeeded && !Directory.Exists($"/sys/class/net/{br}"))
                {
                    throw new HostCommandException("ip", ["link", "add", br, "type", "bridge"], r);
                }
            }

            if (_options.Mtu is { } mtu)
            {
                await HostCommand.RunCheckedAsync("ip", ["link", "set", br, "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            var gw = $"{_options.GatewayAddress}/{_options.PodCidr.PrefixLength}";
            await HostCommand.RunCheckedAsync("ip", ["addr", "replace", gw, "dev", br], cancellationToken: cancellationToken).ConfigureAwait(false);
            await HostCommand.RunCheckedAsync("ip", ["link", "set", br, "up"], cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _hostGate.Release();
        }
    }

    public async Task<PodNetworkStatus> SetUpAsync(PodNetworkRequest request, CancellationToken cancellationToken = default)
    {
        var gate = GateOf(request.PodUid);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = _records.Load(request.PodUid);
            if (existing is { Phase: PodNetworkPhase.Ready, Result: not null } && NetworkNamespaces.Exists(existing.NetnsName))
            {
                PodNetworkLog.Adopted(_logger, existing.PodKey, existing.PodUid, existing.NetnsName);
                return ToStatus(existing);
            }

            if (existing is not null)
            {
                PodNetworkLog.RollingBack(_logger, existing.PodKey, existing.PodUid, existing.Phase, NetworkNamespaces.Exists(existing.NetnsName));
                await TearDownCoreAsync(existing, cancellationToken).ConfigureAwait(false);
            }

            var sw = Stopwatch.StartNew();
            if (!Directory.Exists($"/sys/class/net/{_options.BridgeName}"))
            {
                await InitializeAsync(cancellationToken).ConfigureAwait(false);
            }

            var record = new PodNetworkRecord
            {
                PodKey = request.PodKey,
                PodUid = request.PodUid,
                NetnsName = NetnsNameOf(request.PodUid),
                ContainerId = request.PodUid,
                InterfaceName = _options.InterfaceName,
                HostPorts = [.. request.HostPorts],
                Phase = PodNetworkPhase.SettingUp,
                CreatedAt = DateTimeOffset.UtcNow,
            };
            _records.Save(record);
            try
            {
                await NetworkNamespaces.AddAsync(record.NetnsName, cancellationToken).ConfigureAwait(false);
                await _invoker.InvokeAsync("ADD", LoopbackConfig(), ArgsOf(record) with { InterfaceName = "lo" }, cancellationToken).ConfigureAwait(false);
                JsonObject? result = null;
                var caps = CapabilityArgs(record);
                for (var i = 0; i < NetworkList.Plugins.Count; i++)
                {
                    if (Skips(i, record))
                    {
                        continue;
                    }

                    var conf = NetworkList.PluginConfig(i, result, caps);
                    result = await _invoker.InvokeAsync("ADD", conf, ArgsOf(record), cancellationToken).ConfigureAwait(false) ?? result;
                }

                record = record with { Phase = PodNetworkPhase.Ready, Result = result };
                var status = ToStatus(record);
                _records.Save(record);
                PodNetworkLog.SetUp(_logger, record.PodKey, record.PodUid, status.PodIP.ToString(), record.NetnsName, sw.ElapsedMilliseconds);
                return status;
            }
            catch (Exception e)
            {
                try
                {
                    await TearDownCoreAsync(record, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception rollback)
                {
                    PodNetworkLog.RollbackFailed(_logger, rollback, record.PodKey, record.PodUid);
                }

                if (e is CniException or HostCommandException or OperationCanceledException)
                {
                    throw;
                }

                throw new InvalidOperationException($"network set-up of pod {request.PodKey} ({request.PodUid}) failed: {e.Message}", e);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task TearDownAsync(string podUid, CancellationToken cancellationToken = default)
    {
        var gate = GateOf(podUid);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_records.Load(podUid) is { } record)
            {
                await TearDownCoreAsync(record, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public Task<IReadOnlyList<PodNetworkStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<PodNetworkStatus> list = _records.LoadAll()
            .Where(r => r is { Phase: PodNetworkPhase.Ready, Result: not null })
            .Select(ToStatus)
            .OrderBy(s => s.PodKey, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(list);
    }

    public async Task<IReadOnlyList<string>> GarbageCollectAsync(IReadOnlySet<string> livePodUids, CancellationToken cancellationToken = default)
    {
        var removed = new List<string>();
        var failures = new List<Exception>();
        foreach (var uid in _records.LoadAll().Select(r => r.PodUid).Where(u => !livePodUids.Contains(u)))
        {
            try
            {
                await TearDownAsync(uid, cancellationToken).ConfigureAwait(false);
                removed.Add(uid);
            }
            catch (Exception e) when (e is CniException or HostCommandException)
            {
                failures.Add(e);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("some pod networks could not be torn down; they are kept for a retry", failures);
        }

        return removed;
    }

    public async Task<bool> CleanupHostAsync(CancellationToken cancellationToken = default)
    {
        await _hostGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_records.LoadAll().Count > 0)
            {
                return false;
            }

            if (Directory.Exists($"/sys/class/net/{_options.BridgeName}"))
            {
                await HostCommand.RunAsync("ip", ["link", "delete", _options.BridgeName, "type", "bridge"], cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            // portmap's shared chains stay after the last DEL; remove them once no mapping of anyone is left in them.
            var rules = await Iptables.ListRulesAsync("nat", cancellationToken).ConfigureAwait(false);
            var inUse = rules.Any(r => r.Count > 1 && r[0] == "-A" && r[1] == "CNI-HOSTPORT-DNAT");
            IReadOnlyList<string> removed = [];
            if (!inUse)
            {
                removed = await Iptables.DeleteChainsAsync("nat", c => c.StartsWith("CNI-HOSTPORT-", StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
            }

            PodNetworkLog.HostCleaned(_logger, _options.BridgeName, removed.Count == 0 ? "none" : string.Join(' ', removed));
            return true;
        }
        finally
        {
            _hostGate.Release();
        }
    }

    private async Task TearDownCoreAsync(PodNetworkRecord record, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        if (record.Phase != PodNetworkPhase.TearingDown)
        {
            record = record with { Phase = PodNetworkPhase.TearingDown };
            _records.Save(record);
        }

        Exception? failure = null;
        var caps = CapabilityArgs(record);
        for (var i = NetworkList.Plugins.Count - 1; i >= 0; i--)
        {
            if (Skips(i, record))
            {
                continue;
            }

            var conf = NetworkList.PluginConfig(i, record.Result, caps);
            try
            {
                await _invoker.InvokeAsync("DEL", conf, ArgsOf(record), cancellationToken).ConfigureAwait(false);
            }
            catch (CniException e)
            {
                PodNetworkLog.DeleteFailed(_logger, e, record.PodKey, record.PodUid, e.Plugin);
                failure ??= e;
            }
        }

        try
        {
            await _invoker.InvokeAsync("DEL", LoopbackConfig(), ArgsOf(record) with { InterfaceName = "lo" }, cancellationToken).ConfigureAwait(false);
        }
        catch (CniException e)
        {
            PodNetworkLog.DeleteFailed(_logger, e, record.PodKey, record.PodUid, e.Plugin);
            failure ??= e;
        }

        if (failure is not null)
        {
            // Keep the netns: bridge DEL finds the pod's addresses (and so its ipMasq chain) through it.
            throw failure;
        }

        await NetworkNamespaces.DeleteAsync(record.NetnsName, cancellationToken).ConfigureAwait(false);
        _records.Delete(record.PodUid);
        PodNetworkLog.TornDown(_logger, record.PodKey, record.PodUid, sw.ElapsedMilliseconds);
    }

    private bool Skips(int pluginIndex, PodNetworkRecord record) =>
        record.HostPorts.Count == 0 && NetworkList.Plugins[pluginIndex]["type"]?.GetValue<string>() == "portmap";

    private SemaphoreSlim GateOf(string podUid) => _gates[(int)((uint)StringComparer.Ordinal.GetHashCode(podUid) % GateCount)];

    private CniRuntimeArgs ArgsOf(PodNetworkRecord record)
    {
        var slash = record.PodKey.IndexOf('/', StringComparison.Ordinal);
        var ns = slash > 0 ? record.PodKey[..slash] : "";
        var name = slash > 0 ? record.PodKey[(slash + 1)..] : record.PodKey;
        return new CniRuntimeArgs(
            record.ContainerId,
            NetworkNamespaces.PathOf(record.NetnsName),
            record.InterfaceName,
            [new("IgnoreUnknown", "1"), new("K8S_POD_NAMESPACE", ns), new("K8S_POD_NAME", name), new("K8S_POD_UID", record.PodUid)]);
    }

    private static Dictionary<string, JsonNode> CapabilityArgs(PodNetworkRecord record)
    {
        var mappings = new JsonArray();
        foreach (var m in record.HostPorts)
        {
            var o = new JsonObject
            {
                ["hostPort"] = m.HostPort,
                ["containerPort"] = m.ContainerPort,
                ["protocol"] = m.Protocol.ToLowerInvariant(),
            };
            if (!string.IsNullOrEmpty(m.HostIP))
            {
                o["hostIP"] = m.HostIP;
            }

            mappings.Add(o);
        }

        return new Dictionary<string, JsonNode> { ["portMappings"] = mappings };
    }

    private PodNetworkStatus ToStatus(PodNetworkRecord record)
    {
        var r = CniResult.Parse(record.Result!, record.InterfaceName);
        return new PodNetworkStatus(
            record.PodKey,
            record.PodUid,
            NetworkNamespaces.PathOf(record.NetnsName),
            r.Address,
            r.PrefixLength,
            r.Gateway ?? _options.GatewayAddress,
            record.InterfaceName,
            record.HostPorts);
    }

    private JsonObject LoopbackConfig() => new()
    {
        ["cniVersion"] = NetworkList.CniVersion,
        ["name"] = _options.NetworkName + "-lo",
        ["type"] = "loopback",
    };

    private static CniNetworkList BuildNetworkList(PodNetworkOptions o)
    {
        var bridge = new JsonObject
        {
            ["type"] = "bridge",
            ["bridge"] = o.BridgeName,
            ["isGateway"] = true,
            ["ipMasq"] = true,
            ["hairpinMode"] = true,
            ["ipam"] = new JsonObject
            {
                ["type"] = "host-local",
                ["ranges"] = new JsonArray(new JsonArray(new JsonObject
                {
                    ["subnet"] = o.PodCidr.ToString(),
                    ["gateway"] = o.GatewayAddress.ToString(),
                })),
                ["routes"] = new JsonArray(new JsonObject { ["dst"] = "0.0.0.0/0" }),
                ["dataDir"] = o.IpamDirectory,
            },
        };
        if (o.Mtu is { } mtu)
        {
            bridge["mtu"] = mtu;
        }

        var portmap = new JsonObject
        {
            ["type"] = "portmap",
            ["capabilities"] = new JsonObject { ["portMappings"] = true },
            ["snat"] = true,
        };
        return new CniNetworkList(o.NetworkName, "1.0.0", [bridge, portmap]);
    }
}
