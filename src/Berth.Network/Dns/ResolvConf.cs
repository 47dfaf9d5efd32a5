using System.Net;
using System.Text;
using k8s.Models;

namespace Berth.Network.Dns;

/// <summary>
/// A resolv.conf: parsed from the host's, and generated for a pod as kubelet writes it
/// (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy, kubelet's
/// <c>pkg/kubelet/network/dns/dns.go</c>).
/// </summary>
public sealed record ResolvConf(IReadOnlyList<IPAddress> Nameservers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options)
{
    /// <summary>glibc reads at most 3 nameservers; kubelet keeps the first 3.</summary>
    public const int MaxNameservers = 3;

    /// <summary>kubelet's limit on search domains (MaxDNSSearchPaths since 1.28).</summary>
    public const int MaxSearches = 32;

    /// <summary>Parses <c>nameserver</c>, <c>search</c>/<c>domain</c> and <c>options</c> lines; the last search/domain wins, as in glibc.</summary>
    public static ResolvConf Parse(string text)
    {
        var ns = new List<IPAddress>();
        var search = new List<string>();
        var options = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#', ';')[0].Trim();
            var f = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2)
            {
                continue;
            }

            switch (f[0])
            {
                case "nameserver" when IPAddress.TryParse(f[1], out var a):
                    ns.Add(a);
                    break;
                case "search" or "domain":
                    search = [.. f.Skip(1)];
                    break;
                case "options":
                    options.AddRange(f.Skip(1));
                    break;
            }
        }

        return new ResolvConf(ns, search, options);
    }

    /// <summary>
    /// The resolv.conf of a pod.
    /// <list type="bullet">
    /// <item><c>ClusterFirst</c> (the default; for a hostNetwork pod it acts as <c>Default</c>) and
    /// <c>ClusterFirstWithHostNet</c>: the cluster DNS, search <c>NS.svc.DOMAIN svc.DOMAIN DOMAIN</c> then the host's
    /// search domains, <c>options ndots:5</c>;</item>
    /// <item><c>Default</c>: the host's resolv.conf;</item>
    /// <item><c>None</c>: only what <paramref name="dnsConfig"/> says.</item>
    /// </list>
    /// Then <paramref name="dnsConfig"/> (pod.spec.dnsConfig) is merged: its nameservers and searches appended without
    /// duplicates, its options replacing those of the same name.
    /// </summary>
    public static ResolvConf ForPod(
        string? dnsPolicy,
        string podNamespace,
        bool hostNetwork,
        IReadOnlyList<IPAddress> clusterDns,
        string clusterDomain,
        ResolvConf host,
        V1PodDNSConfig? dnsConfig = null)
    {
        var policy = string.IsNullOrEmpty(dnsPolicy) ? "ClusterFirst" : dnsPolicy;
        if (policy == "ClusterFirst" && hostNetwork)
        {
            policy = "Default";
        }

        List<IPAddress> ns;
        List<string> search;
        List<string> options;
        switch (policy)
        {
            case "ClusterFirst" or "ClusterFirstWithHostNet":
                ns = [.. clusterDns];
                search = [$"{podNamespace}.svc.{clusterDomain}", $"svc.{clusterDomain}", clusterDomain, .. host.Searches];
                options = ["ndots:5"];
                break;
            case "None":
                ns = [];
                search = [];
                options = [];
                break;
            default:
                ns = [.. host.Nameservers];
                search = [.. host.Searches];
                options = [.. host.Options];
                break;
        }

        if (dnsConfig is not null)
        {
            foreach (var n in dnsConfig.Nameservers ?? [])
            {
                if (IPAddress.TryParse(n, out var a) && !ns.Contains(a))
                {
                    ns.Add(a);
                }
            }

            foreach (var s in dnsConfig.Searches ?? [])
            {
                if (!search.Contains(s))
                {
                    search.Add(s);
                }
            }

            foreach (var o in dnsConfig.Options ?? [])
            {
                options.RemoveAll(x => x.Split(':')[0] == o.Name);
                options.Add(string.IsNullOrEmpty(o.Value) ? o.Name : $"{o.Name}:{o.Value}");
            }
        }

        return new ResolvConf(ns.Take(MaxNameservers).ToList(), search.Distinct().Take(MaxSearches).ToList(), options);
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Searches.Count > 0)
        {
            sb.Append("search ").AppendJoin(' ', Searches).Append('\n');
        }

        foreach (var n in Nameservers)
        {
            sb.Append("nameserver ").Append(n).Append('\n');
        }

        if (Options.Count > 0)
        {
            sb.Append("options ").AppendJoin(' ', Options).Append('\n');
        }

        return sb.ToString();
    }
}
