using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// NetworkPolicies (networking.k8s.io/v1), after SetDefaults_NetworkPolicy and ValidateNetworkPolicy:
/// <c>policyTypes</c> defaults to Ingress (plus Egress when egress rules exist), port protocols to TCP;
/// selectors, ports and ipBlocks must be valid. POD-SELECTOR prints <c>spec.podSelector</c>.
/// </summary>
public sealed class NetworkPolicyStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> PolicyColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Pod-Selector", "podSelector selects the pods to which this NetworkPolicy object applies."),
        Kinds.Columns.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => PolicyColumns;

    public override void ApplyDefaults(JsonObject obj)
    {
        var spec = Json.EnsureObject(obj, "spec");
        Json.EnsureObject(spec, "podSelector");
        foreach (var direction in new[] { "ingress", "egress" })
        {
            foreach (var (_, rule) in Nodes.Objects(spec[direction]))
            {
                foreach (var (_, port) in Nodes.Objects(rule["ports"]))
                {
                    Nodes.Default(port, "protocol", "TCP");
                }
            }
        }

        if (spec["policyTypes"] is not JsonArray { Count: > 0 })
        {
            var types = new JsonArray("Ingress");
            if (Json.Array(spec, "egress") is { Count: > 0 })
            {
                types.Add("Egress");
            }

            spec["policyTypes"] = types;
        }
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var spec = Json.Object(obj, "spec") ?? [];
        LabelSelectors.Validate(spec["podSelector"], "spec.podSelector", causes);
        foreach (var (direction, peers) in new[] { ("ingress", "from"), ("egress", "to") })
        {
            foreach (var (i, rule) in Nodes.Objects(spec[direction]))
            {
                var at = $"spec.{direction}[{i}]";
                foreach (var (j, port) in Nodes.Objects(rule["ports"]))
                {
                    var pp = $"{at}.ports[{j}]";
                    FieldRules.OneOf(Json.String(port, "protocol"), $"{pp}.protocol", ["SCTP", "TCP", "UDP"], causes, required: false);
                    if (port["port"] is { } p)
                    {
                        FieldRules.PortNumOrName(p, $"{pp}.port", causes);
                    }

                    if (Json.Long(port, "endPort") is { } end)
                    {
                        if (Json.Long(port, "port") is not { } start)
                        {
                            causes.Add(StatusCause.Required($"{pp}.port", "must be specified when endPort is specified"));
                        }
                        else if (end < start)
                        {
                            causes.Add(StatusCause.Invalid($"{pp}.endPort", end, "must be greater than or equal to `port`"));
                        }
                    }
                }

                foreach (var (j, peer) in Nodes.Objects(rule[peers]))
                {
                    var pp = $"{at}.{peers}[{j}]";
                    var count = 0;
                    if (peer["podSelector"] is { } podSelector)
                    {
                        count++;
                        LabelSelectors.Validate(podSelector, $"{pp}.podSelector", causes);
                    }

                    if (peer["namespaceSelector"] is { } nsSelector)
                    {
                        count++;
                        LabelSelectors.Validate(nsSelector, $"{pp}.namespaceSelector", causes);
                    }

                    if (Json.Object(peer, "ipBlock") is { } block)
                    {
                        count++;
                        ValidateIpBlock(block, $"{pp}.ipBlock", causes);
                    }

                    if (count == 0)
                    {
                        causes.Add(StatusCause.Required(pp, "must specify a peer"));
                    }
                    else if (Nodes.Has(peer, "ipBlock") && count > 1)
                    {
                        causes.Add(StatusCause.Forbidden(pp, "may not specify both ipBlock and another peer"));
                    }
                }
            }
        }

        var types = Nodes.Strings(spec["policyTypes"]).ToList();
        for (var i = 0; i < types.Count; i++)
        {
            FieldRules.OneOf(types[i], $"spec.policyTypes[{i}]", ["Ingress", "Egress"], causes, required: false);
        }

        if (types.Count > 2)
        {
            causes.Add(StatusCause.Invalid("spec.policyTypes", GoValue.StringSlice(types), "may not specify more than two policyTypes"));
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Json.String(obj, "metadata", "name"), LabelSelectors.FormatOrNone(Json.Walk(obj, "spec", "podSelector")), Age(obj, now)];

    private static void ValidateIpBlock(JsonObject block, string path, List<StatusCause> causes)
    {
        var cidr = Nodes.Str(block, "cidr");
        if (cidr.Length == 0)
        {
            causes.Add(StatusCause.Required($"{path}.cidr"));
        }
        else if (!FieldRules.IsCidr(cidr))
        {
            causes.Add(StatusCause.Invalid($"{path}.cidr", cidr, FieldRules.CidrMessage));
        }

        var i = 0;
        foreach (var except in Nodes.Strings(block["except"]))
        {
            if (!FieldRules.IsCidr(except))
            {
                causes.Add(StatusCause.Invalid($"{path}.except[{i}]", except, FieldRules.CidrMessage));
            }

            i++;
        }
    }
}
