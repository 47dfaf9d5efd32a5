using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Api.Selectors;

namespace Berth.Controllers.Endpoints;

/// <summary>
/// What kube-controller-manager's endpoints and endpointslice controllers compute for one Service with a selector
/// (pkg/controller/endpoint, pkg/controller/endpointslice): the pods it selects that have an IP and are not finished,
/// each port's target resolved per pod (a named targetPort is looked up in that pod's container ports), ready pods
/// as addresses and the others as notReadyAddresses (all as addresses with <c>publishNotReadyAddresses</c>), a pod's
/// hostname when its <c>spec.subdomain</c> is the service's name. Pure: objects in, objects out.
/// </summary>
public static class EndpointsBuilder
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string ManagedBy = "endpointslice-controller.k8s.io";

    /// <summary>One selected pod with the ports its endpoints get.</summary>
    public sealed record PodEndpoint(string IP, string? NodeName, string PodName, string PodUid, string? Hostname, bool Ready, bool Terminating, IReadOnlyList<(string Name, int Port, string Protocol, string? AppProtocol)> Ports);

    /// <summary>The pods of <paramref name="service"/> among <paramref name="pods"/> (same namespace), with their resolved ports.</summary>
    public static IReadOnlyList<PodEndpoint> Select(JsonObject service, IEnumerable<JsonObject> pods)
    {
        var ns = Json.String(service, "metadata", "namespace") ?? "default";
        var name = Json.String(service, "metadata", "name") ?? "";
        var selectorMap = Json.Object(service, "spec", "selector");
        if (selectorMap is null || selectorMap.Count == 0)
        {
            return [];
        }

        var selector = LabelSelector.FromSet(selectorMap.Where(p => Json.StringOf(p.Value) is not null).ToDictionary(p => p.Key, p => Json.StringOf(p.Value)!, StringComparer.Ordinal));
        var publishNotReady = Json.Bool(service, "spec", "publishNotReadyAddresses") == true;
        var result = new List<PodEndpoint>();
        foreach (var pod in pods)
        {
            if ((Json.String(pod, "metadata", "namespace") ?? "default") != ns || !selector.Matches(pod))
            {
                continue;
            }

            var ip = Json.String(pod, "status", "podIP");
            var phase = Json.String(pod, "status", "phase");
            if (string.IsNullOrEmpty(ip) || phase is "Succeeded" or "Failed")
            {
                continue;
            }

            var terminating = Json.Object(pod, "metadata")?["deletionTimestamp"] is not null;
            if (terminating && !publishNotReady)
            {
                continue;
            }

            var ready = (Json.Array(pod, "status", "conditions") ?? []).OfType<JsonObject>()
                .Any(c => Json.String(c, "type") == "Ready" && Json.String(c, "status") == "True");
            var ports = new List<(string, int, string, string?)>();
            foreach (var sp in (Json.Array(service, "spec", "ports") ?? []).OfType<JsonObject>())
            {
                var protocol = Json.String(sp, "protocol") ?? "TCP";
                var target = sp["targetPort"];
                int? port = target is null ? (int?)Json.Long(sp, "port") : ResolveTarget(pod, target, protocol);
                if (port is { } p)
                {
                    ports.Add((Json.String(sp, "name") ?? "", p, protocol, Json.String(sp, "appProtocol")));
                }
            }

            var hostname = Json.String(pod, "spec", "subdomain") == name && Json.String(pod, "spec", "hostname") is { Length: > 0 } h ? h : null;
            result.Add(new PodEndpoint(ip, Json.String(pod, "spec", "nodeName"), Json.String(pod, "metadata", "name") ?? "", Json.String(pod, "metadata", "uid") ?? "",
                hostname, ready || publishNotReady, terminating, ports));
        }

        return result.OrderBy(p => p.IP, StringComparer.Ordinal).ToList();
    }

    /// <summary>The <c>subsets</c> of the service's Endpoints: addresses grouped by identical port sets (RepackSubsets).</summary>
    public static JsonArray Subsets(string ns, IReadOnlyList<PodEndpoint> endpoints)
    {
        var subsets = new JsonArray();
        foreach (var group in endpoints.Where(e => e.Ports.Count > 0).GroupBy(e => PortKey(e.Ports)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var subset = new JsonObject();
            var ready = group.Where(e => e.Ready).Select(e => (JsonNode)Address(ns, e)).ToArray();
            var notReady = group.Where(e => !e.Ready).Select(e => (JsonNode)Address(ns, e)).ToArray();
            if (ready.Length > 0)
            {
                subset["addresses"] = new JsonArray(ready);
            }

            if (notReady.Length > 0)
            {
                subset["notReadyAddresses"] = new JsonArray(notReady);
            }

            subset["ports"] = Ports(group.First().Ports);
            subsets.Add(subset);
        }

        return subsets;
    }

    /// <summary>The EndpointSlices of the service: one per distinct port set, named <c>SERVICE-HASH</c>, owned by the service.</summary>
    public static IReadOnlyList<JsonObject> Slices(JsonObject service, IReadOnlyList<PodEndpoint> endpoints)
    {
        var ns = Json.String(service, "metadata", "namespace") ?? "default";
        var name = Json.String(service, "metadata", "name") ?? "";
        var groups = endpoints.Where(e => e.Ports.Count > 0).GroupBy(e => PortKey(e.Ports)).ToList();
        var slices = new List<JsonObject>();
        if (groups.Count == 0)
        {
            // A service without endpoints still has one (empty) slice with its ports, as Kubernetes keeps one.
            var servicePorts = (Json.Array(service, "spec", "ports") ?? []).OfType<JsonObject>()
                .Select(sp => (Json.String(sp, "name") ?? "", (int)(Json.Long(sp, "targetPort") ?? Json.Long(sp, "port") ?? 0), Json.String(sp, "protocol") ?? "TCP", Json.String(sp, "appProtocol")))
                .ToList();
            slices.Add(Slice(service, ns, name, PortKey(servicePorts), servicePorts, []));
            return slices;
        }

        foreach (var group in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            slices.Add(Slice(service, ns, name, group.Key, group.First().Ports, group.ToList()));
        }

        return slices;
    }

    private static JsonObject Slice(JsonObject service, string ns, string name, string portKey, IReadOnlyList<(string Name, int Port, string Protocol, string? AppProtocol)> ports, List<PodEndpoint> members)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(portKey)))[..5];
        var sliceName = name.Length > 240 ? name[..240] : name;
        var labels = new JsonObject();
        foreach (var (k, v) in Json.Object(service, "metadata", "labels") ?? [])
        {
            labels[k] = v?.DeepClone();
        }

        labels[ServiceNameLabel] = name;
        labels[ManagedByLabel] = ManagedBy;
        var endpoints = new JsonArray();
        foreach (var e in members)
        {
            var ep = new JsonObject
            {
                ["addresses"] = new JsonArray(e.IP),
                ["conditions"] = new JsonObject { ["ready"] = e.Ready && !e.Terminating, ["serving"] = e.Ready, ["terminating"] = e.Terminating },
            };
            if (e.Hostname is not null)
            {
                ep["hostname"] = e.Hostname;
            }

            if (e.NodeName is not null)
            {
                ep["nodeName"] = e.NodeName;
            }

            ep["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = e.PodName, ["uid"] = e.PodUid };
            endpoints.Add(ep);
        }

        return new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{sliceName}-{hash}",
                ["namespace"] = ns,
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Service",
                    ["name"] = name,
                    ["uid"] = Json.String(service, "metadata", "uid") ?? "",
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["addressType"] = "IPv4",
            ["endpoints"] = endpoints,
            ["ports"] = Ports(ports),
        };
    }

    private static JsonObject Address(string ns, PodEndpoint e)
    {
        var a = new JsonObject { ["ip"] = e.IP };
        if (e.Hostname is not null)
        {
            a["hostname"] = e.Hostname;
        }

        if (e.NodeName is not null)
        {
            a["nodeName"] = e.NodeName;
        }

        a["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = e.PodName, ["uid"] = e.PodUid };
        return a;
    }

    private static JsonArray Ports(IReadOnlyList<(string Name, int Port, string Protocol, string? AppProtocol)> ports) =>
        new(ports.Select(p =>
        {
            var o = new JsonObject();
            if (p.Name.Length > 0)
            {
                o["name"] = p.Name;
            }

            o["port"] = p.Port;
            o["protocol"] = p.Protocol;
            if (p.AppProtocol is not null)
            {
                o["appProtocol"] = p.AppProtocol;
            }

            return (JsonNode)o;
        }).ToArray());

    private static string PortKey(IReadOnlyList<(string Name, int Port, string Protocol, string? AppProtocol)> ports) =>
        string.Join(",", ports.Select(p => $"{p.Name}/{p.Port}/{p.Protocol}"));

    /// <summary>A service port's targetPort for one pod: a number, or the container port of that name and protocol.</summary>
    private static int? ResolveTarget(JsonObject pod, JsonNode target, string protocol)
    {
        if (target is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number && Json.TryGetInteger(v, out var n))
        {
            return (int)n;
        }

        var name = Json.StringOf(target);
        if (name is null)
        {
            return null;
        }

        if (int.TryParse(name, out var numeric))
        {
            return numeric;
        }

        foreach (var c in (Json.Array(pod, "spec", "containers") ?? []).OfType<JsonObject>())
        {
            foreach (var p in (Json.Array(c, "ports") ?? []).OfType<JsonObject>())
            {
                if (Json.String(p, "name") == name && (Json.String(p, "protocol") ?? "TCP") == protocol)
                {
                    return (int?)Json.Long(p, "containerPort");
                }
            }
        }

        return null;
    }
}
