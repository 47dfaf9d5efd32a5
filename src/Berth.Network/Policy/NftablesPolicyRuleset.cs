using System.Globalization;
using System.Net;
using System.Text;

namespace Berth.Network.Policy;

/// <summary>
/// Renders compiled policies as one nftables transaction that replaces the enforcer's whole table atomically:
/// <code>
///   peers-N: named sets of pod addresses, one per resolved peer list
///   forward (hook forward, priority filter, policy accept)
///     ct state established,related accept          replies and the rest of allowed connections
///     ip saddr vmap @egress-pods                    jump eg-NS/POD   (pods isolated for egress)
///     ip daddr vmap @ingress-pods                   jump in-NS/POD   (pods isolated for ingress)
///   eg-NS/POD:  ip daddr POD return;  [allow rules ⇒ return];  reject/drop
///   in-NS/POD:  ip saddr POD accept;  [allow rules ⇒ accept];  reject/drop
/// </code>
/// Only the forward hook is used: pod ↔ pod traffic (bridged, seen by netfilter through br_netfilter), pod ↔ outside
/// and outside ↔ pod are forwarded; traffic between a pod and its own node goes through the input and output hooks
/// and is never filtered, as Kubernetes specifies ("traffic to and from the node where a Pod is running is always
/// allowed"). Service DNAT happens at prerouting/output (priority dstnat), before forward, so rules see the endpoint
/// pod's address and target port.
/// <para>
/// Denied traffic is rejected: a TCP connection that was not DNATed gets a reset (the client sees "connection
/// refused" at once); everything else, including connections to a ClusterIP, gets ICMP admin-prohibited. A reset for
/// a bridged packet is sent straight out of the bridge port by the kernel (nf_send_reset), without undoing the service
/// DNAT, so the client would ignore it and wait for its timeout; ICMP errors are translated back by conntrack.
/// </para>
/// <para>
/// The transaction is <c>add table; delete table; add table …</c>: the kernel applies it all or nothing, so no packet
/// ever sees an empty or half-built table, and conntrack (which holds established flows) is not touched.
/// </para>
/// </summary>
public static class NftablesPolicyRuleset
{
    /// <summary>The transaction that makes <paramref name="options"/>' table enforce exactly <paramref name="pods"/>.</summary>
    public static string Render(IReadOnlyList<CompiledPodPolicy> pods, NetworkPolicyOptions options)
    {
        var t = options.TableName;
        var sb = new StringBuilder();
        void L(string s) => sb.Append(s).Append('\n');

        L($"add table ip {t}");
        L($"delete table ip {t}");
        L($"add table ip {t}");
        L($"add chain ip {t} forward {{ type filter hook forward priority filter; policy accept; }}");
        L($"add map ip {t} ingress-pods {{ type ipv4_addr : verdict; }}");
        L($"add map ip {t} egress-pods {{ type ipv4_addr : verdict; }}");
        L($"add rule ip {t} forward ct state established,related accept");
        L($"add rule ip {t} forward ip saddr vmap @egress-pods");
        L($"add rule ip {t} forward ip daddr vmap @ingress-pods");

        // Address lists become named sets, declared once and shared by every chain that uses them (a rule's peers are
        // resolved once for all the pods it applies to).
        var sets = new Dictionary<IReadOnlyList<IPAddress>, string>(ReferenceEqualityComparer.Instance);
        foreach (var r in pods.SelectMany(p => (p.Ingress ?? []).Concat(p.Egress ?? [])))
        {
            if (r.Addresses is { Count: > 1 } list && !sets.ContainsKey(list))
            {
                var name = $"peers-{sets.Count}";
                sets[list] = name;
                L($"add set ip {t} {name} {{ type ipv4_addr; elements = {{ {string.Join(", ", list)} }}; }}");
            }
        }

        var deny = options.DenyAction == PolicyDenyAction.Drop
            ? ["drop"]
            : (string[])["meta l4proto tcp ct status & dnat == 0 reject with tcp reset", "reject with icmp type admin-prohibited"];
        var chainNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in pods)
        {
            var ip = p.Pod.Address!.ToString();
            if (p.Egress is { } egress)
            {
                var chain = ChainName("eg-", p.Pod, chainNames);
                L($"add chain ip {t} {chain}");
                L($"add rule ip {t} {chain} ip daddr {ip} return");
                foreach (var r in egress)
                {
                    L($"add rule ip {t} {chain} {Match(r, "daddr", sets)}return{Comment(r)}");
                }

                foreach (var d in deny)
                {
                    L($"add rule ip {t} {chain} {d}");
                }

                L($"add element ip {t} egress-pods {{ {ip} : jump {chain} }}");
            }

            if (p.Ingress is { } ingress)
            {
                var chain = ChainName("in-", p.Pod, chainNames);
                L($"add chain ip {t} {chain}");
                L($"add rule ip {t} {chain} ip saddr {ip} accept");
                foreach (var r in ingress)
                {
                    L($"add rule ip {t} {chain} {Match(r, "saddr", sets)}accept{Comment(r)}");
                }

                foreach (var d in deny)
                {
                    L($"add rule ip {t} {chain} {d}");
                }

                L($"add element ip {t} ingress-pods {{ {ip} : jump {chain} }}");
            }
        }

        return sb.ToString();
    }

    /// <summary>The match part of a rule (ending with a space, or empty for "everything").</summary>
    internal static string Match(CompiledRule r, string field, IReadOnlyDictionary<IReadOnlyList<IPAddress>, string> sets)
    {
        var sb = new StringBuilder();
        if (r.Addresses is { } addresses)
        {
            sb.Append(addresses.Count == 1 ? $"ip {field} {addresses[0]} " : $"ip {field} @{sets[addresses]} ");
        }

        if (r.Block is { } block)
        {
            sb.Append(CultureInfo.InvariantCulture, $"ip {field} {block.Cidr} ");
            if (block.Except.Count > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $"ip {field} != {{ {string.Join(", ", block.Except)} }} ");
            }
        }

        if (r.Protocol is { } protocol)
        {
            sb.Append(CultureInfo.InvariantCulture, $"meta l4proto {Proto(protocol)} ");
            if (r.Port is { } port)
            {
                sb.Append(r.EndPort is { } end && end > port
                    ? string.Create(CultureInfo.InvariantCulture, $"th dport {port}-{end} ")
                    : string.Create(CultureInfo.InvariantCulture, $"th dport {port} "));
            }
        }

        return sb.ToString();
    }

    internal static string Proto(PolicyProtocol p) => p switch
    {
        PolicyProtocol.Udp => "udp",
        PolicyProtocol.Sctp => "sctp",
        _ => "tcp",
    };

    /// <summary><c>in-NS/NAME</c> (nft chain names may hold '/', '.', '-'); the UID when that would be too long.</summary>
    private static string ChainName(string prefix, PolicyPod pod, HashSet<string> used)
    {
        var name = $"{prefix}{pod.Namespace}/{pod.Name}";
        if (name.Length > 240 || !used.Add(name))
        {
            name = $"{prefix}uid/{new string(pod.Uid.Where(char.IsAsciiLetterOrDigit).ToArray())}";
            used.Add(name);
        }

        return name;
    }

    private static string Comment(CompiledRule r)
    {
        var text = new string(r.Origin.Where(c => c is not ('"' or '\\') && !char.IsControl(c)).ToArray());
        return text.Length == 0 ? "" : $" comment \"{(text.Length > 100 ? text[..100] : text)}\"";
    }
}
