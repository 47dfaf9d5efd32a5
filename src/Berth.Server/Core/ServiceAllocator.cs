using System.Net;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Api.Resources.Kinds;

namespace Berth.Server.Core;

/// <summary>
/// Allocates Service cluster IPs from the service range (default <c>10.96.0.0/16</c>; <c>.1</c> is the
/// <c>kubernetes</c> service's) and node ports from 30000–32767, as the API server's REST layer does
/// before validation. What is in use is read from the stored Services at allocation time, so a
/// deleted Service frees its addresses with no bookkeeping; allocations are serialised within
/// this server. (Several API servers on one etcd would need kube's shared allocation objects.)
/// </summary>
public sealed class ServiceAllocator(ResourceService resources)
{
    public const int NodePortMin = 30000;
    public const int NodePortMax = 32767;
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>The service CIDR's network address and prefix.</summary>
    public static (uint Network, int Prefix) Range { get; } = (ToUInt(IPAddress.Parse("10.96.0.0")), 16);

    public static string KubernetesServiceIp => ToIp(Range.Network + 1);

    /// <summary>Fills the cluster IP and node ports <paramref name="service"/> still needs, checking the ones it asked for.</summary>
    public async Task<IDisposable> AllocateAsync(ResourceType type, JsonObject service, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        var release = new Releaser(_lock);
        try
        {
            var (ips, ports) = await InUseAsync(type, ct);
            var name = Json.String(service, "metadata", "name") ?? "";
            var requested = Json.String(service, "spec", "clusterIP");
            if (!string.IsNullOrEmpty(requested) && requested != "None")
            {
                if (!IPAddress.TryParse(requested, out var ip) || !InRange(ToUInt(ip)))
                {
                    throw ApiException.Invalid(type, name, [StatusCause.Invalid("spec.clusterIPs[0]", requested,
                        $"failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is 10.96.0.0/16")]);
                }

                // .1 is reserved for default/kubernetes (the node agent creates it, pointing at this API server).
                var isKubernetes = name == "kubernetes" && (Json.String(service, "metadata", "namespace") ?? "default") == "default";
                if (ips.Contains(requested) || (requested == KubernetesServiceIp && !isKubernetes))
                {
                    throw ApiException.Invalid(type, name, [StatusCause.Invalid("spec.clusterIPs[0]", requested,
                        $"failed to allocate IP {requested}: provided IP is already allocated")]);
                }
            }
            else if (ServiceStrategy.NeedsClusterIP(service))
            {
                ServiceStrategy.AssignClusterIP(service, PickIp([.. ips, KubernetesServiceIp]));
            }

            var portList = Json.Array(service, "spec", "ports") ?? [];
            for (var i = 0; i < portList.Count; i++)
            {
                if (Json.Long(portList[i], "nodePort") is { } asked and > 0)
                {
                    if (asked is < NodePortMin or > NodePortMax || ports.Contains((int)asked))
                    {
                        throw ApiException.Invalid(type, name, [StatusCause.Invalid($"spec.ports[{i}].nodePort", asked,
                            asked is < NodePortMin or > NodePortMax
                                ? $"provided port is not in the valid range. The range of valid ports is {NodePortMin}-{NodePortMax}"
                                : "provided port is already allocated")]);
                    }

                    ports.Add((int)asked);
                }
            }

            foreach (var index in ServiceStrategy.PortsNeedingNodePort(service))
            {
                var port = PickPort(ports);
                ports.Add(port);
                ServiceStrategy.AssignNodePort(service, index, port);
            }

            return release;
        }
        catch
        {
            release.Dispose();
            throw;
        }
    }

    private async Task<(HashSet<string> Ips, HashSet<int> Ports)> InUseAsync(ResourceType type, CancellationToken ct)
    {
        var ips = new HashSet<string>(StringComparer.Ordinal);
        var ports = new HashSet<int>();
        var list = await resources.ListRawAsync(type, null, ListOptions.None, ct);
        foreach (var e in list.Entries)
        {
            var svc = ObjectCodec.Decode(e.Value, e.ModRevision);
            if (Json.String(svc, "spec", "clusterIP") is { Length: > 0 } ip && ip != "None")
            {
                ips.Add(ip);
            }

            foreach (var p in Json.Array(svc, "spec", "ports") ?? [])
            {
                if (Json.Long(p, "nodePort") is { } np and > 0)
                {
                    ports.Add((int)np);
                }
            }
        }

        return (ips, ports);
    }

    private static string PickIp(HashSet<string> used)
    {
        var size = 1u << (32 - Range.Prefix);
        // Random start, then linear probe, as kube's bitmap allocator does; .0, .1 and the broadcast are never handed out.
        var start = (uint)Random.Shared.NextInt64(2, size - 1);
        for (var i = 0u; i < size; i++)
        {
            var offset = 2 + ((start - 2 + i) % (size - 3));
            var ip = ToIp(Range.Network + offset);
            if (!used.Contains(ip))
            {
                return ip;
            }
        }

        throw ApiException.Internal("the service IP range 10.96.0.0/16 is full");
    }

    private static int PickPort(HashSet<int> used)
    {
        var count = NodePortMax - NodePortMin + 1;
        var start = Random.Shared.Next(count);
        for (var i = 0; i < count; i++)
        {
            var port = NodePortMin + ((start + i) % count);
            if (!used.Contains(port))
            {
                return port;
            }
        }

        throw ApiException.Internal($"the node port range {NodePortMin}-{NodePortMax} is full");
    }

    private static bool InRange(uint ip) => (ip >> (32 - Range.Prefix)) == (Range.Network >> (32 - Range.Prefix));

    private static uint ToUInt(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return b.Length == 4 ? ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3] : 0;
    }

    private static string ToIp(uint v) => $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}";

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
