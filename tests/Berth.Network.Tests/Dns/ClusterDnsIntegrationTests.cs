using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Berth.Network.Dns;
using Berth.Network.Pods;
using Berth.Network.Tests.Support;
using Xunit;

namespace Berth.Network.Tests.Dns;

[Trait("Tier", "Integration")]
public sealed class ClusterDnsIntegrationTests
{
    [Fact]
    public async Task APodResolvesShortAndFullNamesThroughItsResolvConfAndOtherNamesAreForwarded()
    {
        HostRequirements.Require("ip", "getent", "/usr/lib/cni/bridge");
        await using var node = new TestNode("dn1");
        var net = node.NewInstance();
        var pod = await net.SetUpAsync(new PodNetworkRequest("shop/client", Guid.NewGuid().ToString()));
        var netns = Path.GetFileName(pod.NetnsPath);
        var etc = Path.Combine("/etc/netns", netns);

        // a stand-in for the host's resolver, on loopback
        var upstreamPort = FreeUdpPort();
        var upstream = new DnsServer(new UdpServerTransport(new IPEndPoint(IPAddress.Loopback, upstreamPort), 2000));
        upstream.QueryReceived += (_, e) =>
        {
            var q = (DnsMessage)e.Query;
            var r = q.CreateResponseInstance();
            if (q.Questions[0].Name.Equals(DomainName.Parse("example.test")) && q.Questions[0].RecordType == RecordType.A)
            {
                r.AnswerRecords.Add(new ARecord(q.Questions[0].Name, 60, IPAddress.Parse("198.51.100.77")));
            }
            else
            {
                r.ReturnCode = ReturnCode.NxDomain;
            }

            e.Response = r;
            return Task.CompletedTask;
        };
        upstream.Start();

        await using var dns = new ClusterDnsServer(new ClusterDnsOptions
        {
            Listen = [new IPEndPoint(pod.Gateway, 53)],
            Upstreams = [new IPEndPoint(IPAddress.Loopback, upstreamPort)],
        });
        dns.Update(
        [
            new DnsService("shop", "web", IPAddress.Parse("10.97.0.50"), [new DnsServicePort("http", "TCP", 80)], []),
            new DnsService("shop", "db", null, [], [new DnsEndpoint(IPAddress.Parse("10.250.9.7"), "db-0"), new DnsEndpoint(IPAddress.Parse("10.250.9.8"), "db-1")]),
            new DnsService("kube-system", "kube-dns", IPAddress.Parse("10.97.0.10"), [], []),
        ]);
        dns.Start();
        try
        {
            Directory.CreateDirectory(etc);
            var conf = ResolvConf.ForPod("ClusterFirst", "shop", false, [pod.Gateway], "cluster.local", new ResolvConf([], [], []));
            await File.WriteAllTextAsync(Path.Combine(etc, "resolv.conf"), conf.ToString());

            Assert.Equal(["10.97.0.50"], await GetentAsync(netns, "web"));
            Assert.Equal(["10.97.0.50"], await GetentAsync(netns, "web.shop"));
            Assert.Equal(["10.97.0.50"], await GetentAsync(netns, "web.shop.svc.cluster.local"));
            Assert.Equal(["10.97.0.10"], await GetentAsync(netns, "kube-dns.kube-system"));
            Assert.Equal(["10.250.9.7", "10.250.9.8"], await GetentAsync(netns, "db"));
            Assert.Equal(["10.250.9.8"], await GetentAsync(netns, "db-1.db"));
            Assert.Empty(await GetentAsync(netns, "nothere"));
            Assert.Equal(["198.51.100.77"], await GetentAsync(netns, "example.test"));
            Assert.True(dns.ForwardedCount > 0);

            // updates replace the records at once
            dns.Update([new DnsService("shop", "web", IPAddress.Parse("10.97.0.51"), [], [])]);
            Assert.Equal(["10.97.0.51"], await GetentAsync(netns, "web"));
            Assert.Empty(await GetentAsync(netns, "db"));

            // TCP answers too (resolvers fall back to it for large answers)
            var tcp = new DnsClient([pod.Gateway], [new TcpClientTransport(53)], false, 2000);
            var m = await tcp.ResolveAsync(DomainName.Parse("web.shop.svc.cluster.local"), RecordType.A);
            Assert.Equal("10.97.0.51", Assert.Single(m!.AnswerRecords.OfType<ARecord>()).Address.ToString());
        }
        finally
        {
            upstream.Stop();
            if (Directory.Exists(etc))
            {
                Directory.Delete(etc, recursive: true);
            }
        }
    }

    private static async Task<string[]> GetentAsync(string netns, string name)
    {
        var r = await NetnsExec.RunAsync(netns, "getent", "ahostsv4", name);
        return r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).Distinct().Order().ToArray();
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
