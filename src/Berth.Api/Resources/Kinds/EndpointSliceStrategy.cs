using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// EndpointSlices (discovery.k8s.io/v1), after SetDefaults_EndpointPort and ValidateEndpointSlice: ports default
/// to protocol TCP and name ""; the address type is IPv4, IPv6 or FQDN and may not change; every endpoint has
/// 1 to 100 addresses of that type.
/// </summary>
public sealed class EndpointSliceStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> SliceColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("AddressType", "addressType specifies the type of address carried by this EndpointSlice."),
        Kinds.Columns.Text("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice."),
        Kinds.Columns.Text("Endpoints", "endpoints is a list of unique endpoints in this slice."),
        Kinds.Columns.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => SliceColumns;

    public override void ApplyDefaults(JsonObject obj)
    {
        foreach (var (_, port) in Nodes.Objects(obj["ports"]))
        {
            Nodes.Default(port, "protocol", "TCP");
            Nodes.Default(port, "name", "");
        }
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        var type = Nodes.Str(obj, "addressType");
        FieldRules.OneOf(type, "addressType", ["FQDN", "IPv4", "IPv6"], causes);
        foreach (var (i, endpoint) in Nodes.Objects(obj["endpoints"]))
        {
            var at = $"endpoints[{i}]";
            var addresses = Nodes.Strings(endpoint["addresses"]).ToList();
            if (addresses.Count == 0)
            {
                causes.Add(StatusCause.Required($"{at}.addresses", "must contain at least 1 address"));
            }
            else if (addresses.Count > 100)
            {
                causes.Add(new StatusCause("FieldValueTooMany", $"Too many: {addresses.Count}: must have at most 100 items", $"{at}.addresses"));
            }

            for (var j = 0; j < addresses.Count; j++)
            {
                var address = addresses[j];
                var path = $"{at}.addresses[{j}]";
                switch (type)
                {
                    case "IPv4" when !FieldRules.IsIp(address) || address.Contains(':', StringComparison.Ordinal):
                        causes.Add(StatusCause.Invalid(path, address, "must be a valid IPv4 address"));
                        break;
                    case "IPv6" when !FieldRules.IsIp(address) || !address.Contains(':', StringComparison.Ordinal):
                        causes.Add(StatusCause.Invalid(path, address, "must be a valid IPv6 address"));
                        break;
                    case "FQDN":
                        Validation.IsDns1123Subdomain(address).ToList().ForEach(msg => causes.Add(StatusCause.Invalid(path, address, msg)));
                        break;
                }
            }

            if (Nodes.Str(endpoint, "hostname") is { Length: > 0 } host)
            {
                Validation.IsDns1123Label(host).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{at}.hostname", host, msg)));
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, port) in Nodes.Objects(obj["ports"]))
        {
            var at = $"ports[{i}]";
            var name = Nodes.Str(port, "name");
            if (name.Length > 0)
            {
                Validation.IsDns1123Label(name).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{at}.name", name, msg)));
            }

            if (!names.Add(name))
            {
                causes.Add(StatusCause.Duplicate($"{at}.name", name));
            }

            if (Json.Long(port, "port") is { } number)
            {
                FieldRules.PortNumber(number).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{at}.port", number, msg)));
            }

            FieldRules.OneOf(Json.String(port, "protocol"), $"{at}.protocol", ["SCTP", "TCP", "UDP"], causes);
        }
    }

    protected override void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes) =>
        FieldRules.Immutable(obj["addressType"], old["addressType"], "addressType", causes);

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var ports = Nodes.Objects(obj["ports"]).Select(p => Json.Long(p.Item, "port") is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : Json.String(p.Item, "name") ?? "*").ToList();
        var addresses = Nodes.Objects(obj["endpoints"]).SelectMany(e => Nodes.Strings(e.Item["addresses"])).ToList();
        return [Json.String(obj, "metadata", "name"), Nodes.Str(obj, "addressType"), WithMore(ports), WithMore(addresses), Age(obj, now)];
    }

    /// <summary><c>listWithMoreString</c>: up to three items, "+ N more...", or <c>&lt;unset&gt;</c>.</summary>
    private static string WithMore(List<string> items)
    {
        if (items.Count == 0)
        {
            return "<unset>";
        }

        var text = string.Join(",", items.Take(3));
        return items.Count > 3 ? $"{text} + {items.Count - 3} more..." : text;
    }
}
