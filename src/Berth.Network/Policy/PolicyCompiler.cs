using System.Net;
using System.Net.Sockets;

namespace Berth.Network.Policy;

/// <summary>
/// Pure: resolves NetworkPolicies against the pods and namespaces of a <see cref="PolicyState"/> into per-pod allow
/// lists for this node's pods, following https://kubernetes.io/docs/concepts/services-networking/network-policies/
/// and the API reference of networking.k8s.io/v1:
/// <list type="bullet">
/// <item>a policy applies to the pods of its own namespace that its podSelector matches;</item>
/// <item>a pod is isolated for ingress (egress) when some policy applying to it has Ingress (Egress) in its types;
/// what passes is then the union of the rules of all those policies;</item>
/// <item>a rule without peers matches every address, without ports every port; peers are resolved to the addresses
/// of the pods they select (podSelector within the policy's namespace, namespaceSelector over namespace labels, both
/// combined as an AND) or kept as ipBlocks;</item>
/// <item>a named port resolves, for ingress, against the selected pod's own named ports, and for egress against each
/// destination pod's (so one egress rule may become several, grouped by port number); a name that resolves nowhere
/// matches nothing.</item>
/// </list>
/// Output is sorted and deduplicated, so equal inputs give equal outputs.
/// </summary>
public static class PolicyCompiler
{
    /// <summary>The label the API server puts on every namespace (immutable): its name.</summary>
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    /// <summary>Compiles the policies for every local pod that has an IPv4 address, sorted by namespace and name.
    /// Pods that no policy isolates are included with both directions null.</summary>
    public static IReadOnlyList<CompiledPodPolicy> Compile(PolicyState state)
    {
        var nsLabels = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var ns in state.Namespaces)
        {
            nsLabels[ns.Name] = WithNameLabel(ns.Name, ns.Labels);
        }

        IReadOnlyDictionary<string, string> LabelsOf(string ns) =>
            nsLabels.TryGetValue(ns, out var l) ? l : nsLabels[ns] = WithNameLabel(ns, new Dictionary<string, string>());

        var candidates = state.Pods.Concat(state.LocalPods)
            .Where(p => IsIPv4(p.Address))
            .DistinctBy(p => (p.Uid, p.Address))
            .OrderBy(p => p.Address!.GetAddressBytes(), ByteOrder.Instance)
            .ToList();
        var byNamespace = candidates.GroupBy(c => c.Namespace, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var policies = state.Policies.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();

        // Peers depend on the rule only, not on the pod it is compiled for: resolve each rule's peers once, and give
        // equal address lists one shared instance (rules then dedup, and the renderer declares one set, by identity).
        var resolved = new Dictionary<PolicyRule, List<(IReadOnlyList<IPAddress>? Addresses, PolicyIPBlock? Block)>>(ReferenceEqualityComparer.Instance);
        var interned = new Dictionary<IReadOnlyList<IPAddress>, IReadOnlyList<IPAddress>>(AddressListComparer.Instance);
        List<(IReadOnlyList<IPAddress>? Addresses, PolicyIPBlock? Block)> PeersOf(NetworkPolicy policy, PolicyRule rule)
        {
            if (!resolved.TryGetValue(rule, out var peers))
            {
                peers = ResolvePeers(policy, rule, byNamespace, LabelsOf);
                for (var i = 0; i < peers.Count; i++)
                {
                    if (peers[i].Addresses is { } list)
                    {
                        peers[i] = (interned.TryGetValue(list, out var shared) ? shared : interned[list] = list, null);
                    }
                }

                resolved[rule] = peers;
            }

            return peers;
        }

        var named = new Dictionary<(PolicyRule, PolicyPort), List<(IReadOnlyList<IPAddress> Addresses, int Port)>>();
        List<(IReadOnlyList<IPAddress> Addresses, int Port)> EgressNamed(PolicyRule rule, PolicyPort port, List<(IReadOnlyList<IPAddress>? Addresses, PolicyIPBlock? Block)> peers)
        {
            if (!named.TryGetValue((rule, port), out var groups))
            {
                groups = ResolveEgressNamedPort(port, peers, candidates);
                for (var i = 0; i < groups.Count; i++)
                {
                    var list = groups[i].Addresses;
                    groups[i] = (interned.TryGetValue(list, out var shared) ? shared : interned[list] = list, groups[i].Port);
                }

                named[(rule, port)] = groups;
            }

            return groups;
        }

        var result = new List<CompiledPodPolicy>();
        foreach (var pod in state.LocalPods.Where(p => IsIPv4(p.Address)).DistinctBy(p => p.Uid)
                     .OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal))
        {
            var applying = policies.Where(p => p.Namespace == pod.Namespace && p.PodSelector.Matches(pod.Labels)).ToList();
            List<CompiledRule>? ingress = null;
            List<CompiledRule>? egress = null;
            foreach (var policy in applying)
            {
                if (policy.Types.HasFlag(PolicyTypes.Ingress))
                {
                    ingress ??= [];
                    for (var i = 0; i < policy.Ingress.Count; i++)
                    {
                        ingress.AddRange(CompileRule(policy.Ingress[i], PeersOf(policy, policy.Ingress[i]), $"{policy.Namespace}/{policy.Name} ingress[{i}]", pod, isEgress: false, EgressNamed));
                    }
                }

                if (policy.Types.HasFlag(PolicyTypes.Egress))
                {
                    egress ??= [];
                    for (var i = 0; i < policy.Egress.Count; i++)
                    {
                        egress.AddRange(CompileRule(policy.Egress[i], PeersOf(policy, policy.Egress[i]), $"{policy.Namespace}/{policy.Name} egress[{i}]", pod, isEgress: true, EgressNamed));
                    }
                }
            }

            result.Add(new CompiledPodPolicy(pod, Dedup(ingress), Dedup(egress)));
        }

        return result;
    }

    /// <summary>Whether <paramref name="peer"/> (of a policy in <paramref name="policyNamespace"/>) selects <paramref name="pod"/>.</summary>
    public static bool Selects(PolicyPeer peer, string policyNamespace, PolicyPod pod, Func<string, IReadOnlyDictionary<string, string>> namespaceLabels)
    {
        if (peer.IPBlock is not null)
        {
            return false;
        }

        var podSelector = peer.PodSelector ?? PolicySelector.Everything;
        if (peer.NamespaceSelector is null)
        {
            return pod.Namespace == policyNamespace && podSelector.Matches(pod.Labels);
        }

        return peer.NamespaceSelector.Matches(namespaceLabels(pod.Namespace)) && podSelector.Matches(pod.Labels);
    }

    /// <summary>A rule's peers as matchable address sets: (null, null) is any address.</summary>
    private static List<(IReadOnlyList<IPAddress>? Addresses, PolicyIPBlock? Block)> ResolvePeers(
        NetworkPolicy policy,
        PolicyRule rule,
        Dictionary<string, List<PolicyPod>> byNamespace,
        Func<string, IReadOnlyDictionary<string, string>> nsLabels)
    {
        var peers = new List<(IReadOnlyList<IPAddress>? Addresses, PolicyIPBlock? Block)>();
        if (rule.Peers.Count == 0)
        {
            peers.Add((null, null));
            return peers;
        }

        // Namespaces first (few), then the pods of the matching ones: the same answer as Selects over every pod.
        var selected = new List<IPAddress>();
        foreach (var peer in rule.Peers.Where(p => p.IPBlock is null))
        {
            var podSelector = peer.PodSelector ?? PolicySelector.Everything;
            var namespaces = peer.NamespaceSelector is null
                ? byNamespace.ContainsKey(policy.Namespace) ? [policy.Namespace] : []
                : byNamespace.Keys.Where(ns => peer.NamespaceSelector.Matches(nsLabels(ns)));
            foreach (var ns in namespaces)
            {
                selected.AddRange(byNamespace[ns].Where(c => podSelector.Matches(c.Labels)).Select(c => c.Address!));
            }
        }

        selected = selected.Distinct().OrderBy(a => a.GetAddressBytes(), ByteOrder.Instance).ToList();
        if (selected.Count > 0)
        {
            peers.Add((selected, null));
        }

        foreach (var block in rule.Peers.Select(p => p.IPBlock).OfType<PolicyIPBlock>().Where(b => IsIPv4(b.Cidr.BaseAddress)).Distinct())
        {
            peers.Add((null, block with { Except = block.Except.Where(e => IsIPv4(e.BaseAddress)).ToList() }));
        }

        return peers;
    }

    private static IEnumerable<CompiledRule> CompileRule(
        PolicyRule rule,
        List<(IReadOnlyList<IPAddress>? Addresses, PolicyIPBlock? Block)> peers,
        string origin,
        PolicyPod pod,
        bool isEgress,
        Func<PolicyRule, PolicyPort, List<(IReadOnlyList<IPAddress>? Addresses, PolicyIPBlock? Block)>, List<(IReadOnlyList<IPAddress> Addresses, int Port)>> egressNamed)
    {
        // No ports: one "any traffic" entry (null).
        IEnumerable<PolicyPort?> ports = rule.Ports.Count == 0 ? new PolicyPort?[] { null } : rule.Ports.Cast<PolicyPort?>();
        foreach (var port in ports)
        {
            if (port?.NamedPort is null)
            {
                foreach (var (addresses, block) in peers)
                {
                    yield return new CompiledRule(origin, addresses, block, port?.Protocol, port?.Port, port?.EndPort);
                }

                continue;
            }

            if (!isEgress)
            {
                // Ingress: the name is the selected pod's own port.
                if (pod.NamedPorts.FirstOrDefault(n => n.Name == port.NamedPort && n.Protocol == port.Protocol) is { } own)
                {
                    foreach (var (addresses, block) in peers)
                    {
                        yield return new CompiledRule(origin, addresses, block, port.Protocol, own.Port, null);
                    }
                }

                continue;
            }

            // Egress: the name is each destination pod's port (only pods can have one); the same for every source pod.
            foreach (var (addresses, number) in egressNamed(rule, port, peers))
            {
                yield return new CompiledRule(origin, addresses, null, port.Protocol, number, null);
            }
        }
    }

    /// <summary>The destinations of an egress rule's named port, grouped by the number it resolves to.</summary>
    private static List<(IReadOnlyList<IPAddress> Addresses, int Port)> ResolveEgressNamedPort(
        PolicyPort port,
        List<(IReadOnlyList<IPAddress>? Addresses, PolicyIPBlock? Block)> peers,
        IReadOnlyList<PolicyPod> candidates)
    {
        var any = peers.Any(p => p.Addresses is null && p.Block is null);
        var listed = peers.Where(p => p.Addresses is not null).SelectMany(p => p.Addresses!).ToHashSet();
        var blocks = peers.Select(p => p.Block).OfType<PolicyIPBlock>().ToList();
        return candidates
            .Where(c => any || listed.Contains(c.Address!) || blocks.Any(b => b.Contains(c.Address!)))
            .SelectMany(c => c.NamedPorts.Where(n => n.Name == port.NamedPort && n.Protocol == port.Protocol).Take(1).Select(n => (Address: c.Address!, n.Port)))
            .GroupBy(x => x.Port)
            .OrderBy(g => g.Key)
            .Select(g => ((IReadOnlyList<IPAddress>)g.Select(x => x.Address).Distinct().ToList(), g.Key))
            .ToList();
    }

    /// <summary>Drops repeated rules (the same resolved peers and ports reached through two policies or rules); address
    /// lists compare by identity, which the per-rule resolution shares between pods.</summary>
    private static List<CompiledRule>? Dedup(List<CompiledRule>? rules) =>
        rules?.DistinctBy(r => ((object?)r.Addresses, r.Block?.Cidr, r.Block is null ? null : string.Join(',', r.Block.Except), r.Protocol, r.Port, r.EndPort)).ToList();

    private static IReadOnlyDictionary<string, string> WithNameLabel(string name, IReadOnlyDictionary<string, string> labels)
    {
        if (labels.ContainsKey(NamespaceNameLabel))
        {
            return labels;
        }

        var copy = new Dictionary<string, string>(labels, StringComparer.Ordinal) { [NamespaceNameLabel] = name };
        return copy;
    }

    internal static bool IsIPv4(IPAddress? a) => a is { AddressFamily: AddressFamily.InterNetwork };

    private sealed class AddressListComparer : IEqualityComparer<IReadOnlyList<IPAddress>>
    {
        public static readonly AddressListComparer Instance = new();

        public bool Equals(IReadOnlyList<IPAddress>? x, IReadOnlyList<IPAddress>? y) => x is not null && y is not null && x.SequenceEqual(y);

        public int GetHashCode(IReadOnlyList<IPAddress> obj)
        {
            var h = new HashCode();
            foreach (var a in obj)
            {
                h.Add(a);
            }

            return h.ToHashCode();
        }
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
