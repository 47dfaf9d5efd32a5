using System.Diagnostics;
using Berth.Network.Host;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Network.Policy;

/// <summary>
/// <see cref="INetworkPolicyEnforcer"/> in an nftables table of its own (<see cref="NetworkPolicyOptions.TableName"/>):
/// <see cref="PolicyCompiler"/> resolves the state, <see cref="NftablesPolicyRuleset"/> renders it, and one
/// <c>nft -f</c> transaction replaces the table. Why a table of its own and not the service proxy's:
/// docs/adr/0003-network-policy.md.
/// </summary>
public sealed class NftablesPolicyEnforcer : INetworkPolicyEnforcer
{
    private const string BridgeNfCallIptables = "/proc/sys/net/bridge/bridge-nf-call-iptables";
    private readonly NetworkPolicyOptions _options;
    private readonly ILogger _logger;
    private string? _lastScript;
    private bool _sysctlsChecked;

    public NftablesPolicyEnforcer(NetworkPolicyOptions options, ILogger<NftablesPolicyEnforcer>? logger = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>How long the last applied sync took (compile + render + nft), for metrics.</summary>
    public TimeSpan LastSyncDuration { get; private set; }

    /// <summary>The compiled form of the last applied state (for diagnostics and tests).</summary>
    public IReadOnlyList<CompiledPodPolicy> LastCompiled { get; private set; } = [];

    public async Task<bool> SyncAsync(PolicyState state, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        if (!_sysctlsChecked)
        {
            await EnsureBridgeNetfilterAsync(cancellationToken).ConfigureAwait(false);
            _sysctlsChecked = true;
        }

        var compiled = PolicyCompiler.Compile(state);
        var script = NftablesPolicyRuleset.Render(compiled, _options);
        if (script == _lastScript)
        {
            return false;
        }

        var r = await HostCommand.RunAsync("nft", ["-f", "-"], script, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            _lastScript = null;
            throw new HostCommandException("nft", ["-f", "-"], r);
        }

        _lastScript = script;
        LastCompiled = compiled;
        LastSyncDuration = sw.Elapsed;
        NetworkPolicyLog.Synced(_logger, compiled.Count, compiled.Count(c => c.Ingress is not null || c.Egress is not null), sw.ElapsedMilliseconds);
        return true;
    }

    public async Task CleanupAsync(CancellationToken cancellationToken = default)
    {
        var r = await HostCommand.RunAsync("nft", ["delete", "table", "ip", _options.TableName], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!r.Succeeded && !r.StandardError.Contains("No such file or directory", StringComparison.Ordinal))
        {
            throw new HostCommandException("nft", ["delete", "table", "ip", _options.TableName], r);
        }

        _lastScript = null;
        LastCompiled = [];
        NetworkPolicyLog.CleanedUp(_logger, _options.TableName);
    }

    /// <summary>
    /// Pod ↔ pod traffic on the node's bridge is only seen by the IPv4 forward hook when br_netfilter passes bridged
    /// frames to it (as kube-proxy and every bridge-based policy plugin require). Without it, policies would silently
    /// not apply: fail instead.
    /// </summary>
    private static async Task EnsureBridgeNetfilterAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(BridgeNfCallIptables))
        {
            throw new InvalidOperationException($"{BridgeNfCallIptables} is missing: the kernel has no br_netfilter, so NetworkPolicies cannot be enforced between pods on the bridge");
        }

        if ((await File.ReadAllTextAsync(BridgeNfCallIptables, cancellationToken).ConfigureAwait(false)).Trim() != "1")
        {
            await File.WriteAllTextAsync(BridgeNfCallIptables, "1", cancellationToken).ConfigureAwait(false);
        }
    }
}
