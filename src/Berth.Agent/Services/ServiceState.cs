using System.Net;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Network.Dns;
using Berth.Network.Services;

namespace Berth.Agent.Services;

/// <summary>
/// Turns Services and EndpointSlices into what the node's data plane and DNS need, as kube-proxy and CoreDNS read
/// them: per service port, the endpoints of the service's slices (<c>kubernetes.io/service-name</c>) whose port has
/// the same name and protocol, only those with <c>conditions.ready</c> not false (the service proxy), or ready ones —
/// or all with <c>publishNotReadyAddresses</c> — for DNS. Headless and ExternalName services get no virtual IP. Pure.
/// </summary>
internal static class ServiceState
{
    public static IReadOnlyList<ProxyService> Proxy(IEnumerable<JsonObject> services, IEnumerable<JsonObject> slices)
    {
        var byService = Group(slices);
        var result = new List<ProxyService>();
        foreach (var svc in services)
        {
            var ns = Json.String(svc, "metadata", "namespace") ?? "default";
            var name = Json.String(svc, "metadata", "name") ?? "";
            if (Json.String(svc, "spec", "type") == "ExternalName")
            {
                continue;
            }

            var clusterIp = Json.String(svc, "spec", "clusterIP");
            IPAddress? vip = clusterIp is { Length: > 0 } and not "None" && IPAddress.TryParse(clusterIp, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? a : null;
            if (vip is null)
            {
                continue;
            }

            var mine = byService.GetValueOrDefault((ns, name)) ?? [];
            var ports = new List<ProxyServicePort>();
            foreach (var sp in (Json.Array(svc, "spec", "ports") ?? []).OfType<JsonObject>())
            {
                var protocol = Json.String(sp, "protocol") ?? "TCP";
                if (protocol is not ("TCP" or "UDP"))
                {
                    continue;
                }

                var portName = Json.String(sp, "name") ?? "";
                var endpoints = Endpoints(mine, portName, protocol, includeNotReady: false)
                    .Select(e => new ProxyEndpoint(e.Address, e.Port)).Distinct().ToList();
                ports.Add(new ProxyServicePort(portName, protocol == "UDP" ? ProxyProtocol.Udp : ProxyProtocol.Tcp, (int)(Json.Long(sp, "port") ?? 0),
                    Json.Long(sp, "nodePort") is { } np and > 0 ? (int)np : null, endpoints));
            }

            var affinity = Json.String(svc, "spec", "sessionAffinity") == "ClientIP";
            var timeout = (int)(Json.Long(svc, "spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds") ?? 10800);
            result.Add(new ProxyService(ns, name, vip, ports, affinity, timeout));
        }

        return result;
    }

    public static IReadOnlyList<DnsService> Dns(IEnumerable<JsonObject> services, IEnumerable<JsonObject> slices)
    {
        var byService = Group(slices);
        var result = new List<DnsService>();
        foreach (var svc in services)
        {
            var ns = Json.String(svc, "metadata", "namespace") ?? "default";
            var name = Json.String(svc, "metadata", "name") ?? "";
            var external = Json.String(svc, "spec", "type") == "ExternalName" ? Json.String(svc, "spec", "externalName") : null;
            var clusterIp = Json.String(svc, "spec", "clusterIP");
            IPAddress? vip = external is null && clusterIp is { Length: > 0 } and not "None" && IPAddress.TryParse(clusterIp, out var a) ? a : null;
            var publishNotReady = Json.Bool(svc, "spec", "publishNotReadyAddresses") == true;
            var mine = byService.GetValueOrDefault((ns, name)) ?? [];
            var endpoints = new List<DnsEndpoint>();
            var seen = new HashSet<IPAddress>();
            foreach (var slice in mine)
            {
                foreach (var ep in (Json.Array(slice, "endpoints") ?? []).OfType<JsonObject>())
                {
                    if (!publishNotReady && Json.Bool(ep, "conditions", "ready") == false)
                    {
                        continue;
                    }

                    foreach (var address in (Json.Array(ep, "addresses") ?? []).Select(Json.StringOf))
                    {
                        if (address is not null && IPAddress.TryParse(address, out var ip) && seen.Add(ip))
                        {
                            endpoints.Add(new DnsEndpoint(ip, Json.String(ep, "hostname")));
                        }
                    }
                }
            }

            var ports = new List<DnsServicePort>();
            foreach (var sp in (Json.Array(svc, "spec", "ports") ?? []).OfType<JsonObject>())
            {
                var protocol = Json.String(sp, "protocol") ?? "TCP";
                var port = (int)(Json.Long(sp, "port") ?? 0);
                if (vip is null)
                {
                    // Headless: SRV records carry the endpoints' port.
                    port = Endpoints(mine, Json.String(sp, "name") ?? "", protocol, includeNotReady: true).Select(e => e.Port).FirstOrDefault(port);
                }

                ports.Add(new DnsServicePort(Json.String(sp, "name") ?? "", protocol, port));
            }

            result.Add(new DnsService(ns, name, vip, ports, endpoints, external));
        }

        return result;
    }

    private static Dictionary<(string, string), List<JsonObject>> Group(IEnumerable<JsonObject> slices)
    {
        var map = new Dictionary<(string, string), List<JsonObject>>();
        foreach (var slice in slices)
        {
            var service = Json.String(slice, "metadata", "labels", "kubernetes.io/service-name");
            if (service is null || Json.String(slice, "addressType") is { } t && t != "IPv4")
            {
                continue;
            }

            var key = (Json.String(slice, "metadata", "namespace") ?? "default", service);
            if (!map.TryGetValue(key, out var list))
            {
                map[key] = list = [];
            }

            list.Add(slice);
        }

        return map;
    }

    private static IEnumerable<(IPAddress Address, int Port)> Endpoints(List<JsonObject> slices, string portName, string protocol, bool includeNotReady)
    {
        foreach (var slice in slices)
        {
            var port = (Json.Array(slice, "ports") ?? []).OfType<JsonObject>()
                .FirstOrDefault(p => (Json.String(p, "name") ?? "") == portName && (Json.String(p, "protocol") ?? "TCP") == protocol);
            if (port is null || Json.Long(port, "port") is not { } number)
            {
                continue;
            }

            foreach (var ep in (Json.Array(slice, "endpoints") ?? []).OfType<JsonObject>())
            {
                if (!includeNotReady && Json.Bool(ep, "conditions", "ready") == false)
                {
                    continue;
                }

                foreach (var address in (Json.Array(ep, "addresses") ?? []).Select(Json.StringOf))
                {
                    if (address is not null && IPAddress.TryParse(address, out var ip))
                    {
                        yield return (ip, (int)number);
                    }
                }
            }
        }
    }
}
