using System.Net;
using System.Text.Json.Nodes;

namespace Berth.Network.Cni;

/// <summary>
/// The parts of a CNI 1.0 ADD result the node needs: the address assigned to the interface inside the sandbox.
/// See https://github.com/containernetworking/cni/blob/main/SPEC.md#add-success.
/// </summary>
public sealed record CniResult(IPAddress Address, int PrefixLength, IPAddress? Gateway)
{
    /// <summary>Finds the first IPv4 address whose <c>interface</c> index names <paramref name="interfaceName"/> in
    /// a sandbox (the pod side of the veth), falling back to the first IPv4 address when no index is given.</summary>
    public static CniResult Parse(JsonObject result, string interfaceName)
    {
        var interfaces = result["interfaces"] as JsonArray ?? [];
        foreach (var ip in result["ips"] as JsonArray ?? [])
        {
            if (ip is not JsonObject o || o["address"]?.GetValue<string>() is not { } cidr)
            {
                continue;
            }

            // IPNetwork.Parse refuses host bits, so split the text ourselves.
            var slash = cidr.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !IPAddress.TryParse(cidr.AsSpan(0, slash), out var address)
                || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                continue;
            }

            var prefix = int.Parse(cidr.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture);

            if (o["interface"]?.GetValue<int>() is { } idx && idx < interfaces.Count)
            {
                var itf = interfaces[idx] as JsonObject;
                if (itf?["name"]?.GetValue<string>() != interfaceName || string.IsNullOrEmpty(itf?["sandbox"]?.GetValue<string>()))
                {
                    continue;
                }
            }

            var gateway = o["gateway"]?.GetValue<string>() is { } g ? IPAddress.Parse(g) : null;
            return new CniResult(address, prefix, gateway);
        }

        throw new FormatException($"CNI result has no IPv4 address on interface {interfaceName}: {result.ToJsonString()}");
    }
}
