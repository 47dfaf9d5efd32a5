using System.Net.Sockets;
using System.Text;
using Berth.Runtime.Vm.Host;

namespace Berth.Runtime.Vm.Cloud;

/// <summary>
/// Builds a NoCloud seed: a small vfat disk labelled <c>CIDATA</c> holding <c>meta-data</c>,
/// <c>user-data</c> and <c>network-config</c>
/// (https://cloudinit.readthedocs.io/en/latest/reference/datasources/nocloud.html), made with
/// mkfs.vfat and mcopy (dosfstools, mtools): nothing is mounted. KubeVirt writes iso9660 with
/// genisoimage; vfat needs no extra package and cloud-init reads both.
/// </summary>
public static class NoCloudSeed
{
    /// <summary><c>instance-id</c> and <c>local-hostname</c>, as YAML.</summary>
    public static string MetaData(string instanceId, string? hostname)
    {
        var sb = new StringBuilder();
        sb.Append("instance-id: ").Append(Quote(instanceId)).Append('\n');
        if (!string.IsNullOrEmpty(hostname))
        {
            sb.Append("local-hostname: ").Append(Quote(hostname)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>
    /// A network-config version 2 for one static NIC matched by MAC
    /// (https://cloudinit.readthedocs.io/en/latest/reference/network-config-format-v2.html).
    /// </summary>
    public static string NetworkConfig(GuestNetwork net)
    {
        var sb = new StringBuilder();
        sb.Append("version: 2\n");
        sb.Append("ethernets:\n");
        sb.Append("  eth0:\n");
        sb.Append("    match:\n");
        sb.Append("      macaddress: \"").Append(net.MacAddress.ToLowerInvariant()).Append("\"\n");
        sb.Append("    set-name: eth0\n");
        if (net.Mtu is { } mtu)
        {
            sb.Append("    mtu: ").Append(mtu).Append('\n');
        }

        sb.Append("    addresses:\n");
        sb.Append("      - ").Append(net.Address).Append('/').Append(net.PrefixLength).Append('\n');
        if (net.Gateway is not null)
        {
            var any = net.Gateway.AddressFamily == AddressFamily.InterNetworkV6 ? "::/0" : "0.0.0.0/0";
            sb.Append("    routes:\n");
            sb.Append("      - to: ").Append(any).Append('\n');
            sb.Append("        via: ").Append(net.Gateway).Append('\n');
        }

        if (net.DnsServers.Count > 0 || net.DnsSearches.Count > 0)
        {
            sb.Append("    nameservers:\n");
            if (net.DnsServers.Count > 0)
            {
                sb.Append("      addresses: [").Append(string.Join(", ", net.DnsServers)).Append("]\n");
            }

            if (net.DnsSearches.Count > 0)
            {
                sb.Append("      search: [").Append(string.Join(", ", net.DnsSearches)).Append("]\n");
            }
        }

        return sb.ToString();
    }

    /// <summary>The files of the seed, generated where <paramref name="seed"/> leaves them null.</summary>
    public static IReadOnlyDictionary<string, string> Files(string id, string? hostname, CloudInitSeed? seed, GuestNetwork? network)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["meta-data"] = seed?.MetaData ?? MetaData(id, hostname ?? id),
        };
        if (seed?.UserData is { } userData)
        {
            files["user-data"] = userData;
        }

        var networkConfig = seed?.NetworkConfig ?? (network is null ? null : NetworkConfig(network));
        if (networkConfig is not null)
        {
            files["network-config"] = networkConfig;
        }

        return files;
    }

    /// <summary>Writes the vfat image at <paramref name="imagePath"/> (replacing it).</summary>
    public static async Task WriteImageAsync(string imagePath, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken)
    {
        var dir = Path.GetDirectoryName(imagePath)!;
        var staging = Path.Combine(dir, "seed.d");
        Directory.CreateDirectory(staging);
        long total = 0;
        var paths = new List<string>();
        foreach (var (name, content) in files)
        {
            var p = Path.Combine(staging, name);
            await File.WriteAllTextAsync(p, content, new UTF8Encoding(false), cancellationToken);
            total += new FileInfo(p).Length;
            paths.Add(p);
        }

        File.Delete(imagePath);
        var sizeKib = Math.Max(1024, (total / 1024 * 2) + 512);
        await ProcessRunner.CheckAsync("mkfs.vfat", ["-n", "CIDATA", "-C", imagePath, sizeKib.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken: cancellationToken);
        var env = new Dictionary<string, string> { ["MTOOLS_SKIP_CHECK"] = "1" };
        await ProcessRunner.CheckAsync("mcopy", ["-i", imagePath, .. paths, "::/"], env: env, cancellationToken: cancellationToken);
        Directory.Delete(staging, recursive: true);
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
