using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Berth.Network.Dns;

/// <summary>
/// An immutable snapshot of the cluster's DNS names, built from the services, as the Kubernetes DNS specification
/// lays them out (https://github.com/kubernetes/dns/blob/master/docs/specification.md):
/// <list type="bullet">
/// <item><c>SVC.NS.svc.DOMAIN</c>: A = the ClusterIP, or the ready endpoint addresses of a headless service;
/// CNAME = spec.externalName for ExternalName services;</item>
/// <item><c>HOSTNAME.SVC.NS.svc.DOMAIN</c>: A = the endpoint whose pod has that hostname (StatefulSet pods);</item>
/// <item><c>_PORT._PROTO.SVC.NS.svc.DOMAIN</c>: SRV to <c>SVC.NS.svc.DOMAIN</c> (ClusterIP) or to each endpoint's name
/// (headless: its hostname, else its address with dashes);</item>
/// <item><c>A-B-C-D.NS.pod.DOMAIN</c>: A = a.b.c.d (kube-dns' "pods insecure" mode);</item>
/// <item>PTR for ClusterIPs and named endpoints.</item>
/// </list>
/// Names are compared lower-case without the trailing dot.
/// </summary>
public sealed class ClusterDnsZone
{
    private readonly Dictionary<string, List<IPAddress>> _a = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _cname = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(int Port, string Target)>> _srv = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _ptr = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    private ClusterDnsZone(string domain) => Domain = domain.Trim('.').ToLowerInvariant();

    public string Domain { get; }

    public static ClusterDnsZone Build(IEnumerable<DnsService> services, string domain = "cluster.local")
    {
        var z = new ClusterDnsZone(domain);
        z.AddName(z.Domain);
        z.AddName($"svc.{z.Domain}");
        z.AddName($"pod.{z.Domain}");
        foreach (var s in services)
        {
            var ns = s.Namespace.ToLowerInvariant();
            var svcName = $"{s.Name.ToLowerInvariant()}.{ns}.svc.{z.Domain}";
            z.AddName($"{ns}.svc.{z.Domain}");
            z.AddName(svcName);
            if (!string.IsNullOrEmpty(s.ExternalName))
            {
                z._cname[svcName] = s.ExternalName.Trim('.').ToLowerInvariant();
                continue;
            }

            var headless = s.ClusterIP is null;
            if (!headless)
            {
                z.AddA(svcName, s.ClusterIP!);
                z._ptr[PtrName(s.ClusterIP!)] = svcName;
            }

            var endpointNames = new List<(IPAddress Address, string Name)>();
            foreach (var ep in s.Endpoints.DistinctBy(e => (e.Address, e.Hostname)))
            {
                if (headless)
                {
                    z.AddA(svcName, ep.Address);
                }

                var label = string.IsNullOrEmpty(ep.Hostname) ? Dashed(ep.Address) : ep.Hostname.ToLowerInvariant();
                var epName = $"{label}.{svcName}";
                endpointNames.Add((ep.Address, epName));
                if (!string.IsNullOrEmpty(ep.Hostname) || headless)
                {
                    z.AddA(epName, ep.Address);
                    z.AddName(epName);
                    if (!string.IsNullOrEmpty(ep.Hostname))
                    {
                        z._ptr[PtrName(ep.Address)] = epName;
                    }
                }
            }

            foreach (var p in s.Ports.Where(p => !string.IsNullOrEmpty(p.Name)))
            {
                var proto = p.Protocol.ToLowerInvariant();
                var srvName = $"_{p.Name.ToLowerInvariant()}._{proto}.{svcName}";
                z.AddName($"_{proto}.{svcName}");
                z.AddName(srvName);
                var list = z._srv.TryGetValue(srvName, out var l) ? l : z._srv[srvName] = [];
                if (headless)
                {
                    list.AddRange(endpointNames.Select(e => (p.Port, e.Name)));
                }
                else
                {
                    list.Add((p.Port, svcName));
                }
            }
        }

        return z;
    }

    /// <summary>Whether <paramref name="name"/> is the cluster domain or below it.</summary>
    public bool IsInZone(string name) => name == Domain || name.EndsWith("." + Domain, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="name"/> is the reverse zone of an address this zone has a PTR for.</summary>
    public bool HasPtr(string name) => _ptr.ContainsKey(name);

    /// <summary>Whether a name exists (with records of any type, or as a parent of one).</summary>
    public bool Exists(string name) => _names.Contains(name) || PodAddress(name) is not null;

    public IReadOnlyList<IPAddress> A(string name)
    {
        if (_a.TryGetValue(name, out var l))
        {
            return l;
        }

        return PodAddress(name) is { } pod ? [pod] : [];
    }

    public string? Cname(string name) => _cname.GetValueOrDefault(name);

    public IReadOnlyList<(int Port, string Target)> Srv(string name) => _srv.TryGetValue(name, out var l) ? l : [];

    public string? Ptr(string name) => _ptr.GetValueOrDefault(name);

    internal static string PtrName(IPAddress a)
    {
        var b = a.GetAddressBytes();
        return $"{b[3]}.{b[2]}.{b[1]}.{b[0]}.in-addr.arpa";
    }

    private static string Dashed(IPAddress a) => a.ToString().Replace('.', '-').Replace(':', '-');

    /// <summary><c>A-B-C-D.NS.pod.DOMAIN</c> → a.b.c.d.</summary>
    private IPAddress? PodAddress(string name)
    {
        var suffix = ".pod." + Domain;
        if (!name.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        var labels = name[..^suffix.Length].Split('.');
        if (labels.Length != 2)
        {
            return null;
        }

        var parts = labels[0].Split('-');
        if (parts.Length != 4 || !parts.All(p => byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            return null;
        }

        return IPAddress.TryParse(string.Join('.', parts), out var ip) && ip.AddressFamily == AddressFamily.InterNetwork ? ip : null;
    }

    private void AddA(string name, IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return;
        }

        var l = _a.TryGetValue(name, out var x) ? x : _a[name] = [];
        if (!l.Contains(address))
        {
            l.Add(address);
        }
    }

    private void AddName(string name) => _names.Add(name);
}
