using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Services (core/v1), after pkg/registry/core/service/strategy.go, SetDefaults_Service and ValidateService.
/// Names are DNS-1035 labels. Defaults: type ClusterIP, sessionAffinity None, port protocol TCP,
/// targetPort = port, internalTrafficPolicy Cluster, externalTrafficPolicy Cluster for externally reachable
/// services, and (Berth being single-stack IPv4) ipFamilyPolicy SingleStack with ipFamilies [IPv4].
/// <para>
/// Allocation is the server's: after <c>ApplyDefaults</c> and before <c>Validate</c> on create, it asks
/// <see cref="NeedsClusterIP"/> / <see cref="PortsNeedingNodePort"/> and fills them with
/// <see cref="AssignClusterIP"/> / <see cref="AssignNodePort"/> (Kubernetes allocates in the REST layer's
/// BeginCreate, which runs before validation too). On update, <see cref="PrepareForUpdate"/> keeps the
/// allocated values a client left out (kubectl replace/apply of a manifest without clusterIP).
/// </para>
/// </summary>
public sealed class ServiceStrategy : ResourceStrategy
{
    private static readonly string[] Types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];

    private static readonly IReadOnlyList<TableColumn> ServiceColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Type", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
        Kinds.Columns.Text("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
        Kinds.Columns.Text("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
        Kinds.Columns.Text("Port(s)", "The list of ports that are exposed by this service."),
        Kinds.Columns.Age,
        Kinds.Columns.Selector("Route service traffic to pods with label keys and values matching this selector."),
    ];

    public override bool HasStatusSubresource => true;

    public override IReadOnlyList<TableColumn> Columns => ServiceColumns;

    protected override NameRule NameRule => NameRule.Dns1035Label;

    /// <summary>True when the service still needs a cluster IP (any type but ExternalName, clusterIP unset).</summary>
    public static bool NeedsClusterIP(JsonObject service) =>
        Json.String(service, "spec", "type") != "ExternalName" && Nodes.Str(service, "spec", "clusterIP").Length == 0;

    /// <summary>Sets <c>spec.clusterIP</c> and <c>spec.clusterIPs</c> to the allocated address.</summary>
    public static void AssignClusterIP(JsonObject service, string ip)
    {
        var spec = Json.EnsureObject(service, "spec");
        spec["clusterIP"] = ip;
        spec["clusterIPs"] = new JsonArray(ip);
    }

    /// <summary>Indexes of <c>spec.ports</c> that need a node port (NodePort services, and LoadBalancers that allocate node ports).</summary>
    public static IReadOnlyList<int> PortsNeedingNodePort(JsonObject service) =>
        NeedsNodePorts(Json.Object(service, "spec"))
            ? Nodes.Objects(Json.Array(service, "spec", "ports")).Where(p => Nodes.Int(p.Item, "nodePort") == 0).Select(p => p.Index).ToList()
            : [];

    public static void AssignNodePort(JsonObject service, int portIndex, int nodePort) =>
        ((JsonObject)Json.Array(service, "spec", "ports")![portIndex]!)["nodePort"] = nodePort;

    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
    }

    /// <summary>Keeps status and the allocated cluster IPs and node ports a client omitted (<c>patchAllocatedValues</c>).</summary>
    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        base.PrepareForUpdate(obj, old);
        var spec = Json.EnsureObject(obj, "spec");
        var oldSpec = Json.Object(old, "spec") ?? [];
        if (Json.String(oldSpec, "type") != "ExternalName" && Json.String(spec, "type") != "ExternalName")
        {
            if (Nodes.Str(spec, "clusterIP").Length == 0)
            {
                Json.CopyProperty(oldSpec, spec, "clusterIP");
            }

            if (Json.Array(spec, "clusterIPs") is not { Count: > 0 } && Json.Array(oldSpec, "clusterIPs") is { Count: > 0 })
            {
                Json.CopyProperty(oldSpec, spec, "clusterIPs");
            }
        }

        if (NeedsNodePorts(oldSpec) && NeedsNodePorts(spec))
        {
            var used = NodePorts(oldSpec).Intersect(NodePorts(spec)).ToHashSet();
            var byName = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (_, p) in Nodes.Objects(oldSpec["ports"]))
            {
                byName[Nodes.Str(p, "name")] = Nodes.Int(p, "nodePort");
            }

            foreach (var (_, p) in Nodes.Objects(spec["ports"]))
            {
                if (Nodes.Int(p, "nodePort") == 0 && byName.TryGetValue(Nodes.Str(p, "name"), out var before) && before != 0 && !used.Contains(before))
                {
                    p["nodePort"] = before;
                }
            }
        }

        if (Nodes.Int(spec, "healthCheckNodePort") == 0 && Nodes.Int(oldSpec, "healthCheckNodePort") != 0 && NeedsHealthCheck(spec) && NeedsHealthCheck(oldSpec))
        {
            Json.CopyProperty(oldSpec, spec, "healthCheckNodePort");
        }
    }

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = Json.EnsureObject(obj, "spec");
        if (Nodes.Str(spec, "sessionAffinity").Length == 0)
        {
            spec["sessionAffinity"] = "None";
        }

        if (Json.String(spec, "sessionAffinity") == "None")
        {
            spec.Remove("sessionAffinityConfig");
        }
        else if (Json.String(spec, "sessionAffinity") == "ClientIP")
        {
            Nodes.Default(Nodes.Ensure(spec, "sessionAffinityConfig", "clientIP"), "timeoutSeconds", 10800);
        }

        if (Nodes.Str(spec, "type").Length == 0)
        {
            spec["type"] = "ClusterIP";
        }

        foreach (var (_, port) in Nodes.Objects(spec["ports"]))
        {
            Nodes.Default(port, "protocol", "TCP");
            var (target, name) = Nodes.IntOrString(port["targetPort"]);
            if ((target ?? 0) == 0 && string.IsNullOrEmpty(name) && Json.Long(port, "port") is { } p)
            {
                port["targetPort"] = p;
            }
        }

        var type = Json.String(spec, "type");
        if (ExternallyAccessible(spec) && Nodes.Str(spec, "externalTrafficPolicy").Length == 0)
        {
            spec["externalTrafficPolicy"] = "Cluster";
        }

        if (type is "NodePort" or "LoadBalancer" or "ClusterIP")
        {
            Nodes.Default(spec, "internalTrafficPolicy", "Cluster");
        }

        if (type == "LoadBalancer")
        {
            Nodes.Default(spec, "allocateLoadBalancerNodePorts", true);
        }

        if (type != "ExternalName")
        {
            if (Nodes.Str(spec, "clusterIP") is { Length: > 0 } ip && Json.Array(spec, "clusterIPs") is not { Count: > 0 })
            {
                spec["clusterIPs"] = new JsonArray(ip);
            }

            Nodes.Default(spec, "ipFamilyPolicy", "SingleStack");
            Nodes.Default(spec, "ipFamilies", new JsonArray("IPv4"));
        }
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        var type = Nodes.Str(spec, "type");
        var headless = IsHeadless(spec);
        var ports = Nodes.Objects(spec["ports"]).ToList();
        if (ports.Count == 0 && !headless && type != "ExternalName")
        {
            causes.Add(StatusCause.Required("spec.ports"));
        }

        switch (type)
        {
            case "LoadBalancer" or "NodePort" when headless:
                causes.Add(StatusCause.Invalid("spec.clusterIPs[0]", "None", $"may not be set to 'None' for {type} services"));
                break;
            case "ExternalName":
                if (Json.Array(spec, "clusterIPs") is { Count: > 0 })
                {
                    causes.Add(StatusCause.Forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
                }

                if (Json.Array(spec, "ipFamilies") is { Count: > 0 })
                {
                    causes.Add(StatusCause.Forbidden("spec.ipFamilies", "may not be set for ExternalName services"));
                }

                if (Nodes.Has(spec, "ipFamilyPolicy"))
                {
                    causes.Add(StatusCause.Forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"));
                }

                var cname = Nodes.Str(spec, "externalName").TrimEnd('.');
                if (cname.Length == 0)
                {
                    causes.Add(StatusCause.Required("spec.externalName"));
                }
                else
                {
                    Validation.IsDns1123Subdomain(cname).ToList().ForEach(msg => causes.Add(StatusCause.Invalid("spec.externalName", cname, msg)));
                }

                break;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, port) in ports)
        {
            ValidatePort(port, $"spec.ports[{i}]", ports.Count > 1, names, causes);
        }

        Validation.ValidateLabels(Json.Object(spec, "selector"), "spec.selector", causes);
        ValidateAffinity(spec, causes);
        ValidateClusterIPs(spec, causes);

        var e = 0;
        foreach (var ip in Nodes.Strings(spec["externalIPs"]))
        {
            FieldRules.Ip(ip, $"spec.externalIPs[{e++}]", causes);
        }

        FieldRules.OneOf(type, "spec.type", Types, causes);
        var nodePorts = new HashSet<(string, long)>();
        var seen = new HashSet<(string, long)>();
        foreach (var (i, port) in ports)
        {
            var protocol = Nodes.Str(port, "protocol");
            var nodePort = Nodes.Int(port, "nodePort");
            if (type == "ClusterIP" && nodePort != 0)
            {
                causes.Add(StatusCause.Forbidden($"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"));
            }

            if (nodePort != 0 && !nodePorts.Add((protocol, nodePort)))
            {
                causes.Add(StatusCause.Duplicate($"spec.ports[{i}].nodePort", nodePort));
            }

            if (!seen.Add((protocol, Nodes.Int(port, "port"))))
            {
                causes.Add(StatusCause.Duplicate($"spec.ports[{i}]", new GoValue(
                    $"core.ServicePort{{Name:\"\", Protocol:{GoValue.Quote(protocol)}, AppProtocol:(*string)(nil), Port:{Nodes.Int(port, "port")}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}")));
            }
        }

        if (Json.Array(spec, "loadBalancerSourceRanges") is { Count: > 0 } && type != "LoadBalancer")
        {
            causes.Add(StatusCause.Forbidden("spec.LoadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"));
        }

        if (Nodes.Has(spec, "allocateLoadBalancerNodePorts") && type != "LoadBalancer")
        {
            causes.Add(StatusCause.Forbidden("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"));
        }

        if (type == "LoadBalancer" && !Nodes.Has(spec, "allocateLoadBalancerNodePorts"))
        {
            causes.Add(StatusCause.Required("allocateLoadBalancerNodePorts"));
        }

        var external = Nodes.Str(spec, "externalTrafficPolicy");
        if (!ExternallyAccessible(spec))
        {
            if (external.Length > 0)
            {
                causes.Add(StatusCause.Invalid("spec.externalTrafficPolicy", external, "may only be set for externally-accessible services"));
            }
        }
        else
        {
            FieldRules.OneOf(external, "spec.externalTrafficPolicy", ["Cluster", "Local"], causes);
        }

        if (!NeedsHealthCheck(spec) && Nodes.Int(spec, "healthCheckNodePort") is var hc and not 0)
        {
            causes.Add(StatusCause.Invalid("spec.healthCheckNodePort", hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
        }

        if (!Nodes.Has(spec, "internalTrafficPolicy") && type is "NodePort" or "LoadBalancer" or "ClusterIP")
        {
            causes.Add(StatusCause.Required("spec.internalTrafficPolicy"));
        }
        else if (Json.String(spec, "internalTrafficPolicy") is { } itp)
        {
            FieldRules.OneOf(itp, "spec.internalTrafficPolicy", ["Cluster", "Local"], causes, required: false);
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        var oldSpec = Json.Object(old, "spec") ?? [];
        if (Json.String(spec, "type") == "ExternalName" || Json.String(oldSpec, "type") == "ExternalName" || (IsHeadless(spec) && IsHeadless(oldSpec)))
        {
            return;
        }

        var now = Nodes.Strings(spec["clusterIPs"]).ToList();
        var before = Nodes.Strings(oldSpec["clusterIPs"]).ToList();
        var shown = GoValue.StringSlice(now);
        if (now.Count == before.Count)
        {
            for (var i = 0; i < before.Count; i++)
            {
                if (before[i] != now[i])
                {
                    causes.Add(StatusCause.Invalid($"spec.clusterIPs[{i}]", shown, "may not change once set"));
                }
            }
        }
        else if (now.Count < before.Count)
        {
            if (now.Count == 0)
            {
                causes.Add(StatusCause.Invalid("spec.clusterIPs[0]", shown, "primary clusterIP can not be unset"));
            }
            else if (now[0] != before[0])
            {
                causes.Add(StatusCause.Invalid("spec.clusterIPs[0]", shown, "may not change once set"));
            }
        }
        else if (before.Count > 0 && now[0] != before[0])
        {
            causes.Add(StatusCause.Invalid("spec.clusterIPs[0]", shown, "may not change once set"));
        }

        var families = Nodes.Strings(spec["ipFamilies"]).ToList();
        var oldFamilies = Nodes.Strings(oldSpec["ipFamilies"]).ToList();
        if (families.Count == oldFamilies.Count && !families.SequenceEqual(oldFamilies))
        {
            causes.Add(StatusCause.Invalid("spec.ipFamilies[0]", GoValue.StringSlice(families), "may not change once set"));
        }

        if (NeedsHealthCheck(spec) && NeedsHealthCheck(oldSpec) && Nodes.Int(spec, "healthCheckNodePort") != Nodes.Int(oldSpec, "healthCheckNodePort"))
        {
            causes.Add(StatusCause.Forbidden("spec.healthCheckNodePort", "field is immutable"));
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var spec = Json.Object(obj, "spec");
        var type = Nodes.Str(spec, "type");
        var clusterIp = Nodes.Strings(spec?["clusterIPs"]).FirstOrDefault() ?? Json.String(spec, "clusterIP");
        var ports = string.Join(",", Nodes.Objects(spec?["ports"]).Select(p =>
        {
            var nodePort = Nodes.Int(p.Item, "nodePort");
            var protocol = Nodes.Str(p.Item, "protocol") is { Length: > 0 } pr ? pr : "TCP";
            return nodePort > 0 ? $"{Nodes.Int(p.Item, "port")}:{nodePort}/{protocol}" : $"{Nodes.Int(p.Item, "port")}/{protocol}";
        }));
        return
        [
            Json.String(obj, "metadata", "name"),
            type,
            string.IsNullOrEmpty(clusterIp) ? "<none>" : clusterIp,
            ExternalIp(obj, type),
            ports.Length == 0 ? "<none>" : ports,
            Age(obj, now),
            LabelSelectors.FormatLabels(spec?["selector"]),
        ];
    }

    public override bool TryGetField(FieldSource obj, string field, out string? value)
    {
        switch (field)
        {
            case "spec.clusterIP":
                value = obj.Str("spec", "clusterIP");
                return true;
            case "spec.type":
                value = obj.Str("spec", "type");
                return true;
            default:
                return base.TryGetField(obj, field, out value);
        }
    }

    private static void ValidatePort(JsonObject port, string path, bool requireName, HashSet<string> names, List<StatusCause> causes)
    {
        var name = Nodes.Str(port, "name");
        if (requireName && name.Length == 0)
        {
            causes.Add(StatusCause.Required($"{path}.name"));
        }
        else if (name.Length > 0)
        {
            Validation.IsDns1123Label(name).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{path}.name", name, msg)));
            if (!names.Add(name))
            {
                causes.Add(StatusCause.Duplicate($"{path}.name", name));
            }
        }

        var number = Nodes.Int(port, "port");
        FieldRules.PortNumber(number).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{path}.port", number, msg)));
        FieldRules.OneOf(Json.String(port, "protocol"), $"{path}.protocol", Protocols, causes);
        FieldRules.PortNumOrName(port["targetPort"], $"{path}.targetPort", causes);
        if (Json.String(port, "appProtocol") is { } appProtocol)
        {
            Validation.IsQualifiedName(appProtocol).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{path}.appProtocol", appProtocol, msg)));
        }
    }

    private static void ValidateAffinity(JsonObject spec, List<StatusCause> causes)
    {
        switch (Nodes.Str(spec, "sessionAffinity"))
        {
            case "":
                causes.Add(StatusCause.Required("spec.sessionAffinity"));
                break;
            case "ClientIP":
                var timeout = Json.Long(spec, "sessionAffinityConfig", "clientIP", "timeoutSeconds");
                if (timeout is null)
                {
                    causes.Add(StatusCause.Required("spec.sessionAffinityConfig.clientIP.timeoutSeconds", "when session affinity type is ClientIP"));
                }
                else if (timeout is <= 0 or > 86400)
                {
                    causes.Add(StatusCause.Invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout, "must be greater than 0 and less than 86400"));
                }

                break;
            case "None":
                if (Nodes.Has(spec, "sessionAffinityConfig"))
                {
                    causes.Add(StatusCause.Forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"));
                }

                break;
            case var other:
                causes.Add(StatusCause.NotSupported("spec.sessionAffinity", other, ["ClientIP", "None"]));
                break;
        }
    }

    /// <summary><c>ValidateServiceClusterIPsRelatedFields</c>.</summary>
    private static void ValidateClusterIPs(JsonObject spec, List<StatusCause> causes)
    {
        if (Json.String(spec, "type") == "ExternalName")
        {
            return;
        }

        var ips = Nodes.Strings(spec["clusterIPs"]).ToList();
        var clusterIp = Nodes.Str(spec, "clusterIP");
        if (clusterIp.Length > 0)
        {
            if (ips.Count == 0)
            {
                causes.Add(StatusCause.Required("spec.clusterIPs"));
            }
            else if (ips[0] != clusterIp)
            {
                causes.Add(StatusCause.Invalid("spec.clusterIPs", GoValue.StringSlice(ips), "first value must match `clusterIP`"));
            }
        }
        else if (ips.Count > 0)
        {
            causes.Add(StatusCause.Invalid("spec.clusterIPs", GoValue.StringSlice(ips), "must be empty when `clusterIP` is not specified"));
        }

        var families = Nodes.Strings(spec["ipFamilies"]).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < families.Count; i++)
        {
            FieldRules.OneOf(families[i], $"spec.ipFamilies[{i}]", ["IPv4", "IPv6"], causes, required: false);
            if (!seen.Add(families[i]))
            {
                causes.Add(StatusCause.Duplicate($"spec.ipFamilies[{i}]", families[i]));
            }
        }

        if (Json.String(spec, "ipFamilyPolicy") is { } policy)
        {
            FieldRules.OneOf(policy, "spec.ipFamilyPolicy", ["PreferDualStack", "RequireDualStack", "SingleStack"], causes, required: false);
        }

        var invalid = false;
        for (var i = 0; i < ips.Count; i++)
        {
            if (i == 0 && ips[i] == "None")
            {
                if (ips.Count > 1)
                {
                    invalid = true;
                    causes.Add(StatusCause.Invalid("spec.clusterIPs", GoValue.StringSlice(ips), "'None' must be the first and only value"));
                }

                continue;
            }

            if (!FieldRules.IsIp(ips[i]))
            {
                invalid = true;
                causes.Add(StatusCause.Invalid($"spec.clusterIPs[{i}]", ips[i], FieldRules.IpMessage));
            }
        }

        if (ips.Count > 2)
        {
            causes.Add(StatusCause.Invalid("spec.clusterIPs", GoValue.StringSlice(ips), "may only hold up to 2 values"));
        }

        if (invalid)
        {
            return;
        }

        if (ips.Count == 2 && IsV6(ips[0]) == IsV6(ips[1]))
        {
            causes.Add(StatusCause.Invalid("spec.clusterIPs", GoValue.StringSlice(ips), "may specify no more than one IP for each IP family"));
        }

        if (!IsHeadless(spec))
        {
            for (var i = 0; i < ips.Count && i < families.Count; i++)
            {
                if (families[i] == "IPv4" && IsV6(ips[i]))
                {
                    causes.Add(StatusCause.Invalid($"spec.clusterIPs[{i}]", ips[i], $"expected an IPv4 value as indicated by `ipFamilies[{i}]`"));
                }
                else if (families[i] == "IPv6" && !IsV6(ips[i]))
                {
                    causes.Add(StatusCause.Invalid($"spec.clusterIPs[{i}]", ips[i], $"expected an IPv6 value as indicated by `ipFamilies[{i}]`"));
                }
            }
        }
    }

    private static string ExternalIp(JsonObject obj, string type)
    {
        var externalIps = Nodes.Strings(Json.Array(obj, "spec", "externalIPs")).ToList();
        switch (type)
        {
            case "ClusterIP" or "NodePort":
                return externalIps.Count > 0 ? string.Join(",", externalIps) : "<none>";
            case "LoadBalancer":
                var ingress = Nodes.Objects(Json.Array(obj, "status", "loadBalancer", "ingress"))
                    .Select(i => Nodes.Str(i.Item, "ip") is { Length: > 0 } ip ? ip : Nodes.Str(i.Item, "hostname"))
                    .Where(s => s.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
                var lb = string.Join(",", ingress);
                if (externalIps.Count > 0)
                {
                    return string.Join(",", ingress.Concat(externalIps));
                }

                return lb.Length > 0 ? lb : "<pending>";
            case "ExternalName":
                return Nodes.Str(obj, "spec", "externalName");
            default:
                return "<unknown>";
        }
    }

    private static bool IsHeadless(JsonObject? spec) => Nodes.Strings(spec?["clusterIPs"]).ToList() is ["None"] || Json.String(spec, "clusterIP") == "None";

    private static bool ExternallyAccessible(JsonObject? spec) =>
        Json.String(spec, "type") is "LoadBalancer" or "NodePort" ||
        (Json.String(spec, "type") == "ClusterIP" && Json.Array(spec, "externalIPs") is { Count: > 0 });

    private static bool NeedsNodePorts(JsonObject? spec) =>
        Json.String(spec, "type") == "NodePort" || (Json.String(spec, "type") == "LoadBalancer" && Json.Bool(spec, "allocateLoadBalancerNodePorts") != false);

    private static bool NeedsHealthCheck(JsonObject? spec) =>
        Json.String(spec, "type") == "LoadBalancer" && Json.String(spec, "externalTrafficPolicy") == "Local";

    private static IEnumerable<long> NodePorts(JsonObject spec) =>
        Nodes.Objects(spec["ports"]).Select(p => Nodes.Int(p.Item, "nodePort")).Where(p => p != 0);

    private static bool IsV6(string ip) => IPAddress.TryParse(ip, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6;
}
