using System.Net;
using System.Text.Json.Nodes;
using Berth.Agent.Services;
using Berth.Network.Services;
using Xunit;

namespace Berth.Agent.Tests.Services;

[Trait("Tier", "Unit")]
public sealed class ServiceStateTests
{
    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static string J(string singleQuoted) => singleQuoted.Replace('\'', '"');

    private static readonly JsonObject[] Services =
    [
        Obj(J("{'metadata':{'name':'back','namespace':'default'},'spec':{'type':'NodePort','clusterIP':'10.96.0.9','sessionAffinity':'ClientIP','ports':[{'name':'web','port':80,'nodePort':30080,'protocol':'TCP'},{'name':'dns','port':53,'protocol':'UDP'}]}}")),
        Obj(J("{'metadata':{'name':'db','namespace':'default'},'spec':{'clusterIP':'None','ports':[{'name':'pg','port':5432}]}}")),
        Obj(J("{'metadata':{'name':'ext','namespace':'default'},'spec':{'type':'ExternalName','externalName':'example.org'}}")),
    ];

    private static readonly JsonObject[] Slices =
    [
        Obj(J("{'metadata':{'name':'back-1','namespace':'default','labels':{'kubernetes.io/service-name':'back'}},'addressType':'IPv4', 'ports':[{'name':'web','port':8080,'protocol':'TCP'},{'name':'dns','port':5353,'protocol':'UDP'}], 'endpoints':[{'addresses':['10.0.0.2'],'conditions':{'ready':true}},{'addresses':['10.0.0.3'],'conditions':{'ready':false}}]}")),
        Obj(J("{'metadata':{'name':'db-1','namespace':'default','labels':{'kubernetes.io/service-name':'db'}},'addressType':'IPv4', 'ports':[{'name':'pg','port':5432,'protocol':'TCP'}], 'endpoints':[{'addresses':['10.0.0.7'],'hostname':'db-0','conditions':{'ready':true}}]}")),
    ];

    [Fact]
    public void ProxyGetsReadyEndpointsPerPortAndSkipsHeadlessAndExternalName()
    {
        var proxy = ServiceState.Proxy(Services, Slices);
        var back = Assert.Single(proxy);
        Assert.Equal(IPAddress.Parse("10.96.0.9"), back.ClusterIP);
        Assert.True(back.ClientIPAffinity);
        Assert.Equal(10800, back.AffinityTimeoutSeconds);
        var web = back.Ports.Single(p => p.Name == "web");
        Assert.Equal(30080, web.NodePort);
        Assert.Equal([new ProxyEndpoint(IPAddress.Parse("10.0.0.2"), 8080)], web.Endpoints);
        var dns = back.Ports.Single(p => p.Name == "dns");
        Assert.Equal(ProxyProtocol.Udp, dns.Protocol);
        Assert.Equal(5353, Assert.Single(dns.Endpoints).Port);
    }

    [Fact]
    public void DnsGetsServicesHeadlessEndpointsWithHostnamesAndExternalNames()
    {
        var dns = ServiceState.Dns(Services, Slices);
        Assert.Equal(3, dns.Count);
        var db = dns.Single(d => d.Name == "db");
        Assert.Null(db.ClusterIP);
        Assert.Equal("db-0", Assert.Single(db.Endpoints).Hostname);
        Assert.Equal(5432, Assert.Single(db.Ports).Port);
        Assert.Equal("example.org", dns.Single(d => d.Name == "ext").ExternalName);
        Assert.Single(dns.Single(d => d.Name == "back").Endpoints);
    }
}
