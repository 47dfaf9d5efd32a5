using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Berth.Runtime.Vm.Cloud;
using Berth.Runtime.Vm.Host;

namespace Berth.Runtime.Vm.Net;

/// <summary>
/// Wires the guest into the pod's network namespace (see docs/adr/0002-vm-networking.md).
/// Bridge (default): tap + pod interface on a bridge; the pod IP leaves the pod interface for the
/// guest, and the guest takes the pod interface's MAC (the pod interface gets one derived from the
/// VM id), so the neighbours' ARP caches stay right; the pod interface does not learn MACs (the node bridge's hairpin
/// mode reflects the guest's broadcasts). Masquerade: tap at 10.0.2.1/24, guest at
/// 10.0.2.2, DNAT of the pod IP to the guest and MASQUERADE of its traffic, in chains of our own.
/// Commands run inside the namespace with <c>nsenter --net=PATH</c>; QEMU opens the tap there too.
/// </summary>
internal static class PodNetworkSetup
{
    public const string TapName = "vmtap0";
    public const string BridgeName = "vmbr0";
    private const string PreChain = "BERTH-VM-PRE";
    private const string PostChain = "BERTH-VM-POST";
    private static readonly IPAddress MasqGuest = IPAddress.Parse("10.0.2.2");
    private static readonly IPAddress MasqTap = IPAddress.Parse("10.0.2.1");

    /// <summary>A locally administered unicast MAC derived from <paramref name="seed"/>: stable across restarts of the same VM.</summary>
    public static string DerivedMac(string seed, byte first)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        return string.Join(':', new[] { first, h[0], h[1], h[2], h[3], h[4] }.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    /// <summary>What the guest is told in the generated network-config.</summary>
    public static GuestNetwork GuestView(VmNetwork net, PodNetworkState state) => net.Mode switch
    {
        VmNetworkMode.Masquerade => new GuestNetwork(state.GuestMac, MasqGuest, 24, MasqTap, net.DnsServers, net.DnsSearches, state.Mtu),
        _ => new GuestNetwork(state.GuestMac, net.PodIp, net.PrefixLength, net.Gateway, net.DnsServers, net.DnsSearches, state.Mtu),
    };

    public static async Task<PodNetworkState> SetupAsync(string id, VmNetwork net, CancellationToken cancellationToken)
    {
        if (!File.Exists(net.NetnsPath))
        {
            throw new VmRuntimeException($"network namespace {net.NetnsPath} does not exist");
        }

        var (podMac, mtu) = await ReadLinkAsync(net, cancellationToken);
        if (net.Mode == VmNetworkMode.Masquerade)
        {
            var mac = DerivedMac("guest/" + id, 0x52);
            var state = new PodNetworkState(VmNetworkMode.Masquerade, TapName, null, mac, null, mtu);
            await IpBatchAsync(net,
            [
                $"tuntap add {TapName} mode tap",
                $"link set {TapName} mtu {mtu}",
                $"addr add {MasqTap}/24 dev {TapName}",
                $"link set {TapName} up",
            ], cancellationToken);
            await InNetnsAsync(net, "sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"], null, cancellationToken);
            await InNetnsAsync(net, "iptables-restore", ["--noflush"], MasqueradeRules(net), cancellationToken);
            return state;
        }

        var bridged = new PodNetworkState(VmNetworkMode.Bridge, TapName, BridgeName, podMac, podMac, mtu);
        await IpBatchAsync(net,
        [
            $"link add {BridgeName} type bridge",
            $"tuntap add {TapName} mode tap",
            $"link set {TapName} mtu {mtu}",
            $"addr flush dev {net.PodInterface} scope global",
            $"link set {net.PodInterface} down",
            $"link set {net.PodInterface} address {DerivedMac("pod/" + id, 0x02)}",
            $"link set {net.PodInterface} master {BridgeName}",
            // CNI's bridge plugin turns hairpin on for the pod's veth, so the node bridge sends the guest's broadcasts
            // back into the pod: learning on the pod interface would then move the guest's MAC to it, and the pod
            // bridge would drop every frame for the guest. Frames from the node never come from the guest's side.
            $"link set {net.PodInterface} type bridge_slave learning off",
            $"link set {TapName} master {BridgeName}",
            $"link set {BridgeName} up",
            $"link set {TapName} up",
            $"link set {net.PodInterface} up",
        ], cancellationToken);
        return bridged;
    }

    /// <summary>Undoes <see cref="SetupAsync"/>; a namespace that is already gone needs nothing.</summary>
    public static async Task TeardownAsync(VmNetwork net, PodNetworkState state, CancellationToken cancellationToken)
    {
        if (!File.Exists(net.NetnsPath))
        {
            return;
        }

        if (state.Mode == VmNetworkMode.Masquerade)
        {
            var script = $"""
                iptables -t nat -D PREROUTING -j {PreChain}
                iptables -t nat -D POSTROUTING -j {PostChain}
                iptables -t nat -F {PreChain}; iptables -t nat -X {PreChain}
                iptables -t nat -F {PostChain}; iptables -t nat -X {PostChain}
                ip link del {state.TapName}
                exit 0
                """;
            await InNetnsAsync(net, "sh", ["-c", script], null, cancellationToken, check: false);
            return;
        }

        var gateway = net.Gateway is null ? Array.Empty<string>() : [$"route replace default via {net.Gateway} dev {net.PodInterface}"];
        await IpBatchAsync(net,
        [
            $"link del {state.TapName}",
            $"link del {state.BridgeName}",
            $"link set {net.PodInterface} down",
            $"link set {net.PodInterface} address {state.OriginalPodMac}",
            $"link set {net.PodInterface} up",
            $"addr replace {net.PodIp}/{net.PrefixLength} dev {net.PodInterface}",
            .. gateway,
        ], cancellationToken, force: true);
    }

    internal static string MasqueradeRules(VmNetwork net)
    {
        var sb = new StringBuilder();
        sb.Append("*nat\n");
        sb.Append(CultureInfo.InvariantCulture, $":{PreChain} - [0:0]\n:{PostChain} - [0:0]\n");
        sb.Append(CultureInfo.InvariantCulture, $"-A PREROUTING -j {PreChain}\n-A POSTROUTING -j {PostChain}\n");
        var match = $"-A {PreChain} -i {net.PodInterface} -d {net.PodIp}/32";
        if (net.ForwardedPorts.Count == 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{match} -j DNAT --to-destination {MasqGuest}\n");
        }
        else
        {
            foreach (var port in net.ForwardedPorts)
            {
                foreach (var proto in new[] { "tcp", "udp" })
                {
                    sb.Append(CultureInfo.InvariantCulture, $"{match} -p {proto} --dport {port} -j DNAT --to-destination {MasqGuest}\n");
                }
            }
        }

        sb.Append(CultureInfo.InvariantCulture, $"-A {PostChain} -s {MasqGuest}/32 -o {net.PodInterface} -j MASQUERADE\n");
        sb.Append("COMMIT\n");
        return sb.ToString();
    }

    /// <summary>The pod interface's MAC (the guest takes it in bridge mode) and MTU (the tap and the guest take it: CNI may have lowered it for an overlay).</summary>
    private static async Task<(string Mac, int Mtu)> ReadLinkAsync(VmNetwork net, CancellationToken cancellationToken)
    {
        var result = await InNetnsAsync(net, "ip", ["-j", "link", "show", "dev", net.PodInterface], null, cancellationToken);
        using var doc = JsonDocument.Parse(result.StdOut);
        var link = doc.RootElement[0];
        var mac = link.GetProperty("address").GetString()
            ?? throw new VmRuntimeException($"{net.PodInterface} in {net.NetnsPath} has no MAC address");
        return (mac, link.TryGetProperty("mtu", out var m) ? m.GetInt32() : 1500);
    }

    private static Task<ProcessResult> IpBatchAsync(VmNetwork net, IEnumerable<string> commands, CancellationToken cancellationToken, bool force = false) =>
        InNetnsAsync(net, "ip", force ? ["-force", "-batch", "-"] : ["-batch", "-"], string.Join('\n', commands) + "\n", cancellationToken, check: !force);

    private static Task<ProcessResult> InNetnsAsync(
        VmNetwork net, string tool, IReadOnlyList<string> args, string? stdin, CancellationToken cancellationToken, bool check = true)
    {
        string[] all = ["--net=" + net.NetnsPath, "--", tool, .. args];
        return check
            ? ProcessRunner.CheckAsync("nsenter", all, stdin, cancellationToken: cancellationToken)
            : ProcessRunner.RunAsync("nsenter", all, stdin, cancellationToken: cancellationToken);
    }
}
