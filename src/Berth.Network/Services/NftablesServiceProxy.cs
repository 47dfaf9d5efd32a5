using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Berth.Network.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Network.Services;

/// <summary>
/// <see cref="IServiceProxy"/> with kernel NAT through nftables (see <see cref="NftablesRuleset"/> for the rules and
/// docs/adr/0001-service-data-plane.md for why). Each sync is one <c>nft -f</c> transaction: the kernel switches from
/// the old rules to the new ones at once or not at all.
/// </summary>
public sealed class NftablesServiceProxy : IServiceProxy
{
    private readonly ServiceProxyOptions _options;
    private readonly ILogger _logger;
    private IReadOnlySet<string>? _chains;
    private IReadOnlySet<string>? _sets;
    private string? _lastScript;
    private Dictionary<(IPAddress Vip, int Port), HashSet<IPAddress>> _udpEndpoints = [];

    public NftablesServiceProxy(ServiceProxyOptions options, ILogger<NftablesServiceProxy>? logger = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>How long the last applied sync took (render + nft), for metrics.</summary>
    public TimeSpan LastSyncDuration { get; private set; }

    public async Task<bool> SyncAsync(IReadOnlyCollection<ProxyService> services, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        if (_chains is null || _sets is null)
        {
            await EnsureSysctlsAsync(cancellationToken).ConfigureAwait(false);
            (_chains, _sets) = await ReadTableAsync(cancellationToken).ConfigureAwait(false);
        }

        var script = NftablesRuleset.Render(services, _options, _chains, _sets);
        if (script == _lastScript)
        {
            return false;
        }

        var r = await HostCommand.RunAsync("nft", ["-f", "-"], script, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            // Our view of the table may be stale (someone changed it): re-read it on the next sync.
            _chains = null;
            _sets = null;
            _lastScript = null;
            throw new HostCommandException("nft", ["-f", "-"], r);
        }

        (_chains, _sets) = NftablesRuleset.Objects(services);
        _lastScript = script;
        await ClearStaleUdpFlowsAsync(services, cancellationToken).ConfigureAwait(false);
        LastSyncDuration = sw.Elapsed;
        ServiceProxyLog.Synced(_logger, services.Count, _chains.Count, sw.ElapsedMilliseconds);
        return true;
    }

    public async Task CleanupAsync(CancellationToken cancellationToken = default)
    {
        var r = await HostCommand.RunAsync("nft", ["delete", "table", "ip", _options.TableName], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!r.Succeeded && !r.StandardError.Contains("No such file or directory", StringComparison.Ordinal))
        {
            throw new HostCommandException("nft", ["delete", "table", "ip", _options.TableName], r);
        }

        _chains = null;
        _sets = null;
        _lastScript = null;
        _udpEndpoints = [];
        ServiceProxyLog.CleanedUp(_logger, _options.TableName);
    }

    /// <summary>The chains and sets the table holds now (empty when it does not exist).</summary>
    internal async Task<(IReadOnlySet<string> Chains, IReadOnlySet<string> Sets)> ReadTableAsync(CancellationToken cancellationToken)
    {
        var r = await HostCommand.RunAsync("nft", ["-j", "list", "table", "ip", _options.TableName], cancellationToken: cancellationToken).ConfigureAwait(false);
        var chains = new HashSet<string>(StringComparer.Ordinal);
        var sets = new HashSet<string>(StringComparer.Ordinal);
        if (!r.Succeeded)
        {
            return (chains, sets);
        }

        using var doc = JsonDocument.Parse(r.StandardOutput);
        foreach (var item in doc.RootElement.GetProperty("nftables").EnumerateArray())
        {
            foreach (var kind in (string[])["chain", "set", "map"])
            {
                if (item.TryGetProperty(kind, out var o) && o.TryGetProperty("name", out var n))
                {
                    (kind == "chain" ? chains : sets).Add(n.GetString()!);
                }
            }
        }

        return (chains, sets);
    }

    private async Task EnsureSysctlsAsync(CancellationToken cancellationToken)
    {
        // As kube-proxy: forwarding on; 127.0.0.1:NODEPORT may be DNATed to a pod (route_localnet, guarded by the
        // filter-prerouting drop); bridged pod-to-pod replies pass netfilter so that service NAT is undone.
        foreach (var (path, value) in (IEnumerable<(string, string)>)[
                     ("/proc/sys/net/ipv4/ip_forward", "1"),
                     ("/proc/sys/net/ipv4/conf/all/route_localnet", "1"),
                     ("/proc/sys/net/bridge/bridge-nf-call-iptables", "1")])
        {
            if (File.Exists(path) && (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim() != value)
            {
                await File.WriteAllTextAsync(path, value, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// UDP has no connection end: a flow to a removed endpoint would stick to it until conntrack forgets it. As
    /// kube-proxy does, delete the conntrack entries of removed UDP endpoints (needs the <c>conntrack</c> tool).
    /// </summary>
    private async Task ClearStaleUdpFlowsAsync(IReadOnlyCollection<ProxyService> services, CancellationToken cancellationToken)
    {
        var now = new Dictionary<(IPAddress, int), HashSet<IPAddress>>();
        foreach (var (svc, port) in NftablesRuleset.ServedPorts(services).Where(x => x.Port.Protocol == ProxyProtocol.Udp))
        {
            now[(svc.ClusterIP!, port.Port)] = port.Endpoints.Select(e => e.Address).ToHashSet();
        }

        foreach (var ((vip, port), before) in _udpEndpoints)
        {
            var after = now.GetValueOrDefault((vip, port)) ?? [];
            foreach (var gone in before.Except(after))
            {
                try
                {
                    await HostCommand.RunAsync(_options.ConntrackPath, ["-D", "-p", "udp", "--orig-dst", vip.ToString(), "--dst-nat", gone.ToString()], cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (FileNotFoundException e)
                {
                    ServiceProxyLog.NoConntrack(_logger, e.Message);
                }
            }
        }

        _udpEndpoints = now;
    }
}
