using System.Security.Cryptography;
using System.Text;

namespace Berth.Network.Cni;

/// <summary>
/// The iptables chain names the reference plugins derive for one attachment, as their
/// <c>utils.FormatChainNameWithPrefix</c> does: <c>"CNI-" + prefix + hex(sha512(network + containerID))</c> cut to
/// 28 characters (https://github.com/containernetworking/plugins/blob/v1.1.1/pkg/utils/utils.go).
/// </summary>
public static class CniChainNames
{
    private const int MaxChainLength = 28;

    /// <summary>The nat chain the bridge plugin adds for ipMasq.</summary>
    public static string IpMasq(string networkName, string containerId) => Format(networkName, containerId, "");

    /// <summary>The nat chain portmap adds for one attachment's DNAT rules.</summary>
    public static string PortmapDnat(string networkName, string containerId) => Format(networkName, containerId, "DN-");

    private static string Format(string networkName, string containerId, string prefix)
    {
        var hash = Convert.ToHexStringLower(SHA512.HashData(Encoding.UTF8.GetBytes(networkName + containerId)));
        return ("CNI-" + prefix + hash)[..MaxChainLength];
    }
}
