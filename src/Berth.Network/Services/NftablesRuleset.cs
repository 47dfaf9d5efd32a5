using System.Globalization;
using System.Net;
using System.Text;

namespace Berth.Network.Services;

/// <summary>
/// Renders the whole service data plane as one nftables transaction (<c>nft -f</c>), in one table of its own,
/// following the shape of kube-proxy's nftables mode (KEP-3866,
/// https://github.com/kubernetes/kubernetes/tree/master/pkg/proxy/nftables):
/// <code>
///   nat-prerouting / nat-output ──► services: ip daddr . l4proto . dport vmap @service-ips ──► svc-NS/NAME/PROTO/PORT
///                                            fib daddr local, l4proto . dport vmap @service-nodeports ──► ext-... (mark) ──► svc-...
///   svc-...: off-cluster source ⇒ mark; [affinity: saddr in @aff-EP ⇒ goto ep-EP]; numgen random mod N vmap ⇒ ep-...
///   ep-...:  source is the endpoint itself (hairpin) ⇒ mark; [update @aff-EP]; dnat to IP:PORT
///   nat-postrouting: marked ⇒ masquerade
///   filter-input/output/forward: whatever still heads for the service CIDR or an endpoint-less node port ⇒ reject
/// </code>
/// The transaction declares every object (idempotent <c>add</c>), flushes every chain and map it owns, deletes
/// the objects that a previous sync made and this one no longer needs, then adds the rules and elements. It
/// never flushes the table: affinity sets keep their entries across syncs and agent restarts, and conntrack keeps
/// established connections on their endpoint whatever the rules become.
/// </summary>
public static class NftablesRuleset
{
    private static readonly string[] FixedChains =
    [
        "nat-prerouting", "nat-output", "nat-postrouting", "filter-prerouting", "filter-input", "filter-output",
        "filter-forward", "mark-for-masquerade", "services",
    ];

    private static readonly string[] FixedSets = ["service-ips", "service-nodeports", "no-endpoint-nodeports"];

    /// <summary>The chains and sets (maps included) a ruleset for <paramref name="services"/> consists of.</summary>
    public static (IReadOnlySet<string> Chains, IReadOnlySet<string> Sets) Objects(IEnumerable<ProxyService> services)
    {
        var chains = new HashSet<string>(FixedChains, StringComparer.Ordinal);
        var sets = new HashSet<string>(FixedSets, StringComparer.Ordinal);
        foreach (var (svc, port) in ServedPorts(services))
        {
            if (port.Endpoints.Count == 0)
            {
                continue;
            }

            chains.Add(SvcChain(svc, port));
            if (port.NodePort is not null)
            {
                chains.Add(ExtChain(svc, port));
            }

            foreach (var ep in port.Endpoints.Distinct())
            {
                chains.Add(EpChain(svc, port, ep));
                if (svc.ClientIPAffinity)
                {
                    sets.Add(AffinitySet(svc, port, ep));
                }
            }
        }

        return (chains, sets);
    }

    /// <summary>The transaction that makes the table hold exactly <paramref name="services"/>.</summary>
    /// <param name="services">The desired services.</param>
    /// <param name="options">Table name, CIDRs, mark.</param>
    /// <param name="existingChains">Chains the table has now (from <c>nft list</c>); stale ones are deleted.</param>
    /// <param name="existingSets">Sets and maps the table has now.</param>
    public static string Render(
        IReadOnlyCollection<ProxyService> services,
        ServiceProxyOptions options,
        IReadOnlySet<string> existingChains,
        IReadOnlySet<string> existingSets)
    {
        var t = options.TableName;
        var mark = "0x" + options.MasqueradeMark.ToString("x", CultureInfo.InvariantCulture);
        var (chains, sets) = Objects(services);
        var sb = new StringBuilder();
        void L(string s) => sb.Append(s).Append('\n');

        L($"add table ip {t}");
        L($"add chain ip {t} nat-prerouting {{ type nat hook prerouting priority dstnat; policy accept; }}");
        L($"add chain ip {t} nat-output {{ type nat hook output priority -100; policy accept; }}");
        L($"add chain ip {t} nat-postrouting {{ type nat hook postrouting priority srcnat; policy accept; }}");
        L($"add chain ip {t} filter-prerouting {{ type filter hook prerouting priority -110; policy accept; }}");
        L($"add chain ip {t} filter-input {{ type filter hook input priority filter; policy accept; }}");
        L($"add chain ip {t} filter-output {{ type filter hook output priority filter; policy accept; }}");
        L($"add chain ip {t} filter-forward {{ type filter hook forward priority filter; policy accept; }}");
        L($"add map ip {t} service-ips {{ type ipv4_addr . inet_proto . inet_service : verdict; }}");
        L($"add map ip {t} service-nodeports {{ type inet_proto . inet_service : verdict; }}");
        L($"add set ip {t} no-endpoint-nodeports {{ type inet_proto . inet_service; }}");
        foreach (var c in chains.Except(FixedChains).Order(StringComparer.Ordinal))
        {
            L($"add chain ip {t} {c}");
        }

        foreach (var (svc, port) in ServedPorts(services).Where(x => x.Service.ClientIPAffinity && x.Port.Endpoints.Count > 0))
        {
            foreach (var ep in port.Endpoints.Distinct())
            {
                L($"add set ip {t} {AffinitySet(svc, port, ep)} {{ type ipv4_addr; flags dynamic,timeout; timeout {svc.AffinityTimeoutSeconds}s; }}");
            }
        }

        L($"add chain ip {t} mark-for-masquerade");
        L($"add chain ip {t} services");

        foreach (var c in chains.Union(existingChains).Order(StringComparer.Ordinal))
        {
            L($"flush chain ip {t} {c}");
        }

        L($"flush map ip {t} service-ips");
        L($"flush map ip {t} service-nodeports");
        L($"flush set ip {t} no-endpoint-nodeports");

        foreach (var c in existingChains.Except(chains).Order(StringComparer.Ordinal))
        {
            L($"delete chain ip {t} {c}");
        }

        foreach (var s in existingSets.Except(sets).Order(StringComparer.Ordinal))
        {
            L($"delete set ip {t} {s}");
        }

        L($"add rule ip {t} nat-prerouting jump services");
        L($"add rule ip {t} nat-output jump services");
        L($"add rule ip {t} nat-postrouting meta mark & {mark} == 0 return");
        L($"add rule ip {t} nat-postrouting meta mark set meta mark ^ {mark}");
        L($"add rule ip {t} nat-postrouting masquerade fully-random");
        L($"add rule ip {t} mark-for-masquerade meta mark set meta mark | {mark}");
        L($"add rule ip {t} services ip daddr . meta l4proto . th dport vmap @service-ips");
        L($"add rule ip {t} services fib daddr type local meta l4proto . th dport vmap @service-nodeports");

        // route_localnet lets 127.0.0.1:NODEPORT be DNATed out; refuse 127/8 arriving from outside (CVE-2020-8558).
        L($"add rule ip {t} filter-prerouting iifname != \"lo\" ip daddr 127.0.0.0/8 drop");
        L($"add rule ip {t} filter-input fib daddr type local meta l4proto . th dport @no-endpoint-nodeports reject");
        L($"add rule ip {t} filter-output ip daddr {options.ServiceCidr} reject");
        L($"add rule ip {t} filter-forward ip daddr {options.ServiceCidr} reject");

        foreach (var (svc, port) in ServedPorts(services))
        {
            var proto = Proto(port.Protocol);
            if (port.Endpoints.Count == 0)
            {
                if (port.NodePort is { } np0)
                {
                    L($"add element ip {t} no-endpoint-nodeports {{ {proto} . {np0} }}");
                }

                continue;
            }

            var svcChain = SvcChain(svc, port);
            var eps = port.Endpoints.Distinct().ToList();
            L($"add element ip {t} service-ips {{ {svc.ClusterIP} . {proto} . {port.Port} : goto {svcChain} }}");
            if (port.NodePort is { } np)
            {
                var ext = ExtChain(svc, port);
                L($"add element ip {t} service-nodeports {{ {proto} . {np} : goto {ext} }}");
                L($"add rule ip {t} {ext} jump mark-for-masquerade");
                L($"add rule ip {t} {ext} goto {svcChain}");
            }

            L($"add rule ip {t} {svcChain} ip saddr != {options.ClusterCidr} jump mark-for-masquerade");
            if (svc.ClientIPAffinity)
            {
                foreach (var ep in eps)
                {
                    L($"add rule ip {t} {svcChain} ip saddr @{AffinitySet(svc, port, ep)} goto {EpChain(svc, port, ep)}");
                }
            }

            if (eps.Count == 1)
            {
                L($"add rule ip {t} {svcChain} goto {EpChain(svc, port, eps[0])}");
            }
            else
            {
                var vmap = string.Join(", ", eps.Select((ep, i) => $"{i} : goto {EpChain(svc, port, ep)}"));
                L($"add rule ip {t} {svcChain} numgen random mod {eps.Count} vmap {{ {vmap} }}");
            }

            foreach (var ep in eps)
            {
                var epChain = EpChain(svc, port, ep);
                L($"add rule ip {t} {epChain} ip saddr {ep.Address} jump mark-for-masquerade");
                if (svc.ClientIPAffinity)
                {
                    L($"add rule ip {t} {epChain} update @{AffinitySet(svc, port, ep)} {{ ip saddr }}");
                }

                L($"add rule ip {t} {epChain} meta l4proto {proto} dnat to {ep.Address}:{ep.Port}");
            }
        }

        return sb.ToString();
    }

    /// <summary>The ports that get rules: those of services with an IPv4 ClusterIP.</summary>
    internal static IEnumerable<(ProxyService Service, ProxyServicePort Port)> ServedPorts(IEnumerable<ProxyService> services) =>
        services
            .Where(s => s.ClusterIP is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork })
            .OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal)
            .SelectMany(s => s.Ports.Select(p => (s, p with { Endpoints = p.Endpoints.Where(e => e.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).ToList() })));

    internal static string Proto(ProxyProtocol p) => p == ProxyProtocol.Udp ? "udp" : "tcp";

    internal static string PortKey(ProxyService s, ProxyServicePort p) =>
        $"{s.Namespace}/{s.Name}/{Proto(p.Protocol)}/{(string.IsNullOrEmpty(p.Name) ? p.Port.ToString(CultureInfo.InvariantCulture) : p.Name)}";

    internal static string SvcChain(ProxyService s, ProxyServicePort p) => "svc-" + PortKey(s, p);

    internal static string ExtChain(ProxyService s, ProxyServicePort p) => "ext-" + PortKey(s, p);

    internal static string EpChain(ProxyService s, ProxyServicePort p, ProxyEndpoint e) => $"ep-{PortKey(s, p)}__{e.Address}/{e.Port}";

    internal static string AffinitySet(ProxyService s, ProxyServicePort p, ProxyEndpoint e) => $"aff-{PortKey(s, p)}__{e.Address}/{e.Port}";

    internal static bool IsIPv4(IPAddress a) => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
}
