using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Berth.Network.Policy;

/// <summary>
/// Turns API objects (as the JSON the API server returns, <see cref="JsonObject"/>) into the plain inputs of
/// <see cref="PolicyCompiler"/>: NetworkPolicies, pods and namespaces. Applies the defaults the API server applies
/// (SetDefaults_NetworkPolicy: policyTypes, protocol TCP) so that raw manifests work too. Throws
/// <see cref="FormatException"/> (with the field path) on what validation would reject; the caller logs and skips
/// that object.
/// </summary>
public static class NetworkPolicyMapper
{
    /// <summary>
    /// The whole <see cref="PolicyState"/> of node <paramref name="nodeName"/> from what the agent's informers hold:
    /// every pod (those with <c>spec.nodeName</c> = <paramref name="nodeName"/> become <see cref="PolicyState.LocalPods"/>),
    /// every namespace and every NetworkPolicy. Left out: hostNetwork pods, pods without an IP, and finished pods
    /// (phase Succeeded/Failed: their address may already belong to a new pod). An object that cannot be read is
    /// skipped and reported to <paramref name="onInvalid"/> (kind/namespace/name and the reason).
    /// </summary>
    public static PolicyState StateFromJson(
        string nodeName,
        IEnumerable<JsonObject> pods,
        IEnumerable<JsonObject> namespaces,
        IEnumerable<JsonObject> policies,
        Action<string, FormatException>? onInvalid = null)
    {
        var all = new List<PolicyPod>();
        var local = new List<PolicyPod>();
        foreach (var obj in pods)
        {
            if (Str(obj["status"], "phase") is "Succeeded" or "Failed")
            {
                continue;
            }

            try
            {
                if (PodFromJson(obj) is { Address: not null } pod)
                {
                    all.Add(pod);
                    if (Str(obj["spec"], "nodeName") == nodeName)
                    {
                        local.Add(pod);
                    }
                }
            }
            catch (FormatException e)
            {
                onInvalid?.Invoke($"Pod {Str(obj["metadata"], "namespace")}/{Str(obj["metadata"], "name")}", e);
            }
        }

        var nsList = new List<PolicyNamespace>();
        foreach (var obj in namespaces)
        {
            try
            {
                nsList.Add(NamespaceFromJson(obj));
            }
            catch (FormatException e)
            {
                onInvalid?.Invoke($"Namespace {Str(obj["metadata"], "name")}", e);
            }
        }

        var policyList = new List<NetworkPolicy>();
        foreach (var obj in policies)
        {
            try
            {
                policyList.Add(FromJson(obj));
            }
            catch (FormatException e)
            {
                onInvalid?.Invoke($"NetworkPolicy {Str(obj["metadata"], "namespace")}/{Str(obj["metadata"], "name")}", e);
            }
        }

        return new PolicyState(local, all, nsList, policyList);
    }

    /// <summary>A networking.k8s.io/v1 NetworkPolicy.</summary>
    public static NetworkPolicy FromJson(JsonObject policy)
    {
        var meta = policy["metadata"] as JsonObject ?? throw new FormatException("metadata: required");
        var ns = Str(meta, "namespace") ?? "default";
        var name = Str(meta, "name") ?? throw new FormatException("metadata.name: required");
        var spec = policy["spec"] as JsonObject ?? [];
        var podSelector = Selector(spec["podSelector"], "spec.podSelector") ?? PolicySelector.Everything;
        var ingress = Rules(spec["ingress"], "from", "spec.ingress");
        var egress = Rules(spec["egress"], "to", "spec.egress");

        PolicyTypes types;
        if (spec["policyTypes"] is JsonArray { Count: > 0 } list)
        {
            types = PolicyTypes.None;
            for (var i = 0; i < list.Count; i++)
            {
                types |= (list[i] as JsonValue)?.GetValue<string>() switch
                {
                    "Ingress" => PolicyTypes.Ingress,
                    "Egress" => PolicyTypes.Egress,
                    var other => throw new FormatException($"spec.policyTypes[{i}]: unsupported value \"{other}\""),
                };
            }
        }
        else
        {
            types = PolicyTypes.Ingress | (egress.Count > 0 ? PolicyTypes.Egress : PolicyTypes.None);
        }

        return new NetworkPolicy(ns, name, podSelector, types, ingress, egress);
    }

    /// <summary>
    /// A v1 Pod: UID, namespace, name, labels, <c>status.podIP</c> and the named ports of its containers (init
    /// containers included: sidecars declare ports there). Returns null for <c>hostNetwork</c> pods, which policies do
    /// not apply to.
    /// </summary>
    public static PolicyPod? PodFromJson(JsonObject pod)
    {
        var meta = pod["metadata"] as JsonObject ?? throw new FormatException("metadata: required");
        var spec = pod["spec"] as JsonObject ?? [];
        if (spec["hostNetwork"] is JsonValue hn && hn.TryGetValue<bool>(out var isHost) && isHost)
        {
            return null;
        }

        IPAddress? ip = null;
        if (Str(pod["status"], "podIP") is { } podIp && IPAddress.TryParse(podIp, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetwork)
        {
            ip = parsed;
        }

        var ports = new List<PolicyNamedPort>();
        foreach (var list in (string[])["containers", "initContainers"])
        {
            foreach (var c in (spec[list] as JsonArray ?? []).OfType<JsonObject>())
            {
                foreach (var p in (c["ports"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (Str(p, "name") is { Length: > 0 } portName && p["containerPort"] is JsonValue cp && cp.TryGetValue<int>(out var number))
                    {
                        ports.Add(new PolicyNamedPort(portName, Protocol(Str(p, "protocol"), "ports[].protocol"), number));
                    }
                }
            }
        }

        return new PolicyPod(
            Str(meta, "uid") ?? "",
            Str(meta, "namespace") ?? "default",
            Str(meta, "name") ?? throw new FormatException("metadata.name: required"),
            ip,
            Labels(meta["labels"]),
            ports);
    }

    /// <summary>A v1 Namespace: its name and labels.</summary>
    public static PolicyNamespace NamespaceFromJson(JsonObject ns)
    {
        var meta = ns["metadata"] as JsonObject ?? throw new FormatException("metadata: required");
        return new PolicyNamespace(Str(meta, "name") ?? throw new FormatException("metadata.name: required"), Labels(meta["labels"]));
    }

    /// <summary>A metav1.LabelSelector object; null when the field is absent.</summary>
    public static PolicySelector? Selector(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject obj)
        {
            throw new FormatException($"{path}: must be an object");
        }

        var requirements = new List<PolicySelectorRequirement>();
        var expressions = obj["matchExpressions"] as JsonArray ?? [];
        for (var i = 0; i < expressions.Count; i++)
        {
            var e = expressions[i] as JsonObject ?? throw new FormatException($"{path}.matchExpressions[{i}]: must be an object");
            var op = Str(e, "operator") switch
            {
                "In" => PolicySelectorOperator.In,
                "NotIn" => PolicySelectorOperator.NotIn,
                "Exists" => PolicySelectorOperator.Exists,
                "DoesNotExist" => PolicySelectorOperator.DoesNotExist,
                var other => throw new FormatException($"{path}.matchExpressions[{i}].operator: \"{other}\" is not a valid selector operator"),
            };
            var values = (e["values"] as JsonArray ?? []).Select(v => v?.GetValue<string>() ?? "").ToList();
            if (op is PolicySelectorOperator.In or PolicySelectorOperator.NotIn && values.Count == 0)
            {
                throw new FormatException($"{path}.matchExpressions[{i}].values: must be specified when `operator` is 'In' or 'NotIn'");
            }

            requirements.Add(new PolicySelectorRequirement(Str(e, "key") ?? "", op, values));
        }

        return new PolicySelector(Labels(obj["matchLabels"]), requirements);
    }

    /// <summary>
    /// Parses a CIDR as Kubernetes validation accepts it (netutils.ParseCIDRSloppy: host bits allowed) and clears the
    /// host bits.
    /// </summary>
    public static IPNetwork Cidr(string text, string path)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix))
        {
            throw new FormatException($"{path}: \"{text}\" is not a valid CIDR");
        }

        var bytes = address.GetAddressBytes();
        if (prefix > bytes.Length * 8)
        {
            throw new FormatException($"{path}: \"{text}\" is not a valid CIDR");
        }

        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPNetwork(new IPAddress(bytes), prefix);
    }

    private static List<PolicyRule> Rules(JsonNode? node, string peersField, string path)
    {
        var rules = new List<PolicyRule>();
        var list = node as JsonArray ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            var at = $"{path}[{i}]";
            var rule = list[i] as JsonObject ?? throw new FormatException($"{at}: must be an object");
            var peers = new List<PolicyPeer>();
            var peerList = rule[peersField] as JsonArray ?? [];
            for (var j = 0; j < peerList.Count; j++)
            {
                peers.Add(Peer(peerList[j] as JsonObject ?? throw new FormatException($"{at}.{peersField}[{j}]: must be an object"), $"{at}.{peersField}[{j}]"));
            }

            var ports = new List<PolicyPort>();
            var portList = rule["ports"] as JsonArray ?? [];
            for (var j = 0; j < portList.Count; j++)
            {
                ports.Add(Port(portList[j] as JsonObject ?? throw new FormatException($"{at}.ports[{j}]: must be an object"), $"{at}.ports[{j}]"));
            }

            rules.Add(new PolicyRule(peers, ports));
        }

        return rules;
    }

    private static PolicyPeer Peer(JsonObject peer, string path)
    {
        var pods = Selector(peer["podSelector"], $"{path}.podSelector");
        var namespaces = Selector(peer["namespaceSelector"], $"{path}.namespaceSelector");
        PolicyIPBlock? block = null;
        if (peer["ipBlock"] is JsonObject b)
        {
            if (pods is not null || namespaces is not null)
            {
                throw new FormatException($"{path}: may not specify both ipBlock and another peer");
            }

            var cidr = Cidr(Str(b, "cidr") ?? throw new FormatException($"{path}.ipBlock.cidr: required"), $"{path}.ipBlock.cidr");
            var except = (b["except"] as JsonArray ?? []).Select((e, k) => Cidr(e?.GetValue<string>() ?? "", $"{path}.ipBlock.except[{k}]")).ToList();
            block = new PolicyIPBlock(cidr, except);
        }

        if (pods is null && namespaces is null && block is null)
        {
            throw new FormatException($"{path}: must specify a peer");
        }

        return new PolicyPeer(pods, namespaces, block);
    }

    private static PolicyPort Port(JsonObject port, string path)
    {
        var protocol = Protocol(Str(port, "protocol"), $"{path}.protocol");
        int? number = null;
        string? name = null;
        if (port["port"] is JsonValue v)
        {
            if (v.TryGetValue<int>(out var n))
            {
                number = n;
            }
            else if (v.TryGetValue<string>(out var s) && s.Length > 0)
            {
                name = s;
            }
            else
            {
                throw new FormatException($"{path}.port: must be a number or a name");
            }
        }

        int? end = port["endPort"] is JsonValue e && e.TryGetValue<int>(out var en) ? en : null;
        if (end is not null && number is null)
        {
            throw new FormatException($"{path}.port: must be specified when endPort is specified");
        }

        if (end < number)
        {
            throw new FormatException($"{path}.endPort: must be greater than or equal to `port`");
        }

        return new PolicyPort(protocol, number, name, end);
    }

    private static PolicyProtocol Protocol(string? value, string path) => value switch
    {
        null or "" or "TCP" => PolicyProtocol.Tcp,
        "UDP" => PolicyProtocol.Udp,
        "SCTP" => PolicyProtocol.Sctp,
        _ => throw new FormatException($"{path}: unsupported value \"{value}\""),
    };

    private static Dictionary<string, string> Labels(JsonNode? node)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject obj)
        {
            foreach (var (k, v) in obj)
            {
                labels[k] = v?.GetValue<string>() ?? "";
            }
        }

        return labels;
    }

    private static string? Str(JsonNode? obj, string field) =>
        obj is JsonObject o && o[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
