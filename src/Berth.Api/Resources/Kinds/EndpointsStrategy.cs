using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Endpoints (core/v1), after SetDefaults_Endpoints and ValidateEndpoints: port protocol defaults to TCP;
/// addresses are IPs; ports are valid, named when a subset has several. ENDPOINTS lists up to three
/// <c>ip:port</c> pairs and "+ N more..." (<c>formatEndpoints</c>).
/// </summary>
public sealed class EndpointsStrategy : ResourceStrategy
{
    private static readonly IReadOnlyList<TableColumn> EndpointsColumns =
    [
        Kinds.Columns.Name,
        Kinds.Columns.Text("Endpoints", "The set of all endpoints is the union of all subsets."),
        Kinds.Columns.Age,
    ];

    public override IReadOnlyList<TableColumn> Columns => EndpointsColumns;

    public override void ApplyDefaults(JsonObject obj)
    {
        foreach (var (_, subset) in Nodes.Objects(obj["subsets"]))
        {
            foreach (var (_, port) in Nodes.Objects(subset["ports"]))
            {
                Nodes.Default(port, "protocol", "TCP");
            }
        }
    }

    protected override void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
        foreach (var (i, subset) in Nodes.Objects(obj["subsets"]))
        {
            var at = $"subsets[{i}]";
            var addresses = Nodes.Objects(subset["addresses"]).ToList();
            var notReady = Nodes.Objects(subset["notReadyAddresses"]).ToList();
            if (addresses.Count == 0 && notReady.Count == 0)
            {
                causes.Add(StatusCause.Required(at, "must specify `addresses` or `notReadyAddresses`"));
            }

            foreach (var (list, items) in new[] { ("addresses", addresses), ("notReadyAddresses", notReady) })
            {
                foreach (var (j, address) in items)
                {
                    FieldRules.Ip(Nodes.Str(address, "ip"), $"{at}.{list}[{j}].ip", causes);
                    if (Nodes.Str(address, "hostname") is { Length: > 0 } host)
                    {
                        Validation.IsDns1123Label(host).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{at}.{list}[{j}].hostname", host, msg)));
                    }
                }
            }

            var ports = Nodes.Objects(subset["ports"]).ToList();
            foreach (var (j, port) in ports)
            {
                ValidatePort(port, $"{at}.ports[{j}]", ports.Count > 1, causes);
            }
        }
    }

    public override IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now)
    {
        var list = new List<string>();
        var count = 0;
        foreach (var (_, subset) in Nodes.Objects(obj["subsets"]))
        {
            var addresses = Nodes.Objects(subset["addresses"]).Select(a => Nodes.Str(a.Item, "ip")).ToList();
            var ports = Nodes.Objects(subset["ports"]).ToList();
            if (ports.Count == 0)
            {
                count += addresses.Count;
                list.AddRange(addresses.Take(Math.Max(0, 3 - list.Count)));
                continue;
            }

            foreach (var (_, port) in ports)
            {
                count += addresses.Count;
                foreach (var ip in addresses)
                {
                    if (list.Count == 3)
                    {
                        break;
                    }

                    list.Add(ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]:{Nodes.Int(port, "port")}" : $"{ip}:{Nodes.Int(port, "port")}");
                }
            }
        }

        var text = Json.Array(obj, "subsets") is not { Count: > 0 } ? "<none>" : string.Join(",", list) + (count > 3 ? $" + {count - 3} more..." : "");
        return [Json.String(obj, "metadata", "name"), text, Age(obj, now)];
    }

    internal static void ValidatePort(JsonObject port, string path, bool requireName, List<StatusCause> causes)
    {
        var name = Nodes.Str(port, "name");
        if (requireName && name.Length == 0)
        {
            causes.Add(StatusCause.Required($"{path}.name"));
        }
        else if (name.Length > 0)
        {
            Validation.IsDns1123Label(name).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{path}.name", name, msg)));
        }

        var number = Nodes.Int(port, "port");
        FieldRules.PortNumber(number).ToList().ForEach(msg => causes.Add(StatusCause.Invalid($"{path}.port", number, msg)));
        FieldRules.OneOf(Json.String(port, "protocol"), $"{path}.protocol", ["SCTP", "TCP", "UDP"], causes);
    }
}
