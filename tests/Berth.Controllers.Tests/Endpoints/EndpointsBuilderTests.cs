using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Endpoints;
using Xunit;

namespace Berth.Controllers.Tests.Endpoints;

[Trait("Tier", "Unit")]
public sealed class EndpointsBuilderTests
{
    private static string J(string singleQuoted) => singleQuoted.Replace('\'', '"');

    private static JsonObject Service(string extra = "") => JsonNode.Parse(J(
        "{'metadata':{'name':'back','namespace':'default','uid':'s-1','labels':{'tier':'b'}}," +
        "'spec':{'selector':{'app':'back'},'clusterIP':'10.96.0.9'," +
        "'ports':[{'name':'web','port':80,'targetPort':'http','protocol':'TCP'},{'name':'raw','port':81,'targetPort':9000,'protocol':'TCP'}]" + extra + "}}"))!.AsObject();

    private static JsonObject Pod(string name, string ip, bool ready, int httpPort = 8080, string labels = "'app':'back'", string extraSpec = "", string extraMeta = "", string phase = "Running") =>
        JsonNode.Parse(J(
            "{'metadata':{'name':'" + name + "','namespace':'default','uid':'u-" + name + "','labels':{" + labels + "}" + extraMeta + "}," +
            "'spec':{'nodeName':'n1','containers':[{'name':'c','ports':[{'name':'http','containerPort':" + httpPort + "}]}]" + extraSpec + "}," +
            "'status':{'phase':'" + phase + "','podIP':'" + ip + "','conditions':[{'type':'Ready','status':'" + (ready ? "True" : "False") + "'}]}}"))!.AsObject();

    [Fact]
    public void ReadyAndNotReadyAddressesWithNamedPortsPerPod()
    {
        var pods = new[]
        {
            Pod("a", "10.0.0.2", ready: true),
            Pod("b", "10.0.0.3", ready: false),
            Pod("c", "10.0.0.4", ready: true, httpPort: 8081),
            Pod("other", "10.0.0.5", ready: true, labels: "'app':'front'"),
            Pod("done", "10.0.0.6", ready: false, phase: "Succeeded"),
            Pod("going", "10.0.0.7", ready: true, extraMeta: ",'deletionTimestamp':'2026-01-01T00:00:00Z'"),
        };
        var members = EndpointsBuilder.Select(Service(), pods);
        Assert.Equal(["10.0.0.2", "10.0.0.3", "10.0.0.4"], members.Select(m => m.IP));
        var subsets = EndpointsBuilder.Subsets("default", members);
        Assert.Equal(2, subsets.Count);   // pod c resolves "http" to 8081: a subset of its own
        var first = subsets.OfType<JsonObject>().Single(s => s["ports"]!.AsArray().Any(p => Json.Long(p, "port") == 8080));
        Assert.Equal("10.0.0.2", Json.String(first["addresses"]![0], "ip"));
        Assert.Equal("10.0.0.3", Json.String(first["notReadyAddresses"]![0], "ip"));
        Assert.Equal("a", Json.String(first["addresses"]![0], "targetRef", "name"));

        var slices = EndpointsBuilder.Slices(Service(), members);
        Assert.Equal(2, slices.Count);
        Assert.All(slices, s =>
        {
            Assert.Equal("back", Json.String(s, "metadata", "labels", EndpointsBuilder.ServiceNameLabel));
            Assert.Equal(EndpointsBuilder.ManagedBy, Json.String(s, "metadata", "labels", EndpointsBuilder.ManagedByLabel));
            Assert.Equal("s-1", Json.String(s["metadata"]!["ownerReferences"]![0], "uid"));
            Assert.StartsWith("back-", Json.String(s, "metadata", "name"));
        });
        var notReady = slices.SelectMany(s => s["endpoints"]!.AsArray().OfType<JsonObject>()).Single(e => Json.StringOf(e["addresses"]![0]) == "10.0.0.3");
        Assert.False(Json.Bool(notReady, "conditions", "ready"));
    }

    [Fact]
    public void PublishNotReadyAddressesAndHostnames()
    {
        var svc = Service(",'publishNotReadyAddresses':true");
        var pods = new[] { Pod("web-0", "10.0.0.2", ready: false, extraSpec: ",'hostname':'web-0','subdomain':'back'") };
        var members = EndpointsBuilder.Select(svc, pods);
        var subset = EndpointsBuilder.Subsets("default", members).Single()!;
        Assert.Equal("web-0", Json.String(subset["addresses"]![0], "hostname"));
        Assert.Null(subset["notReadyAddresses"]);
    }

    [Fact]
    public void NoSelectorMeansNoEndpointsAndAnEmptySliceKeepsThePorts()
    {
        var svc = JsonNode.Parse(J("{'metadata':{'name':'x','namespace':'default'},'spec':{'ports':[{'port':80}]}}"))!.AsObject();
        Assert.Empty(EndpointsBuilder.Select(svc, [Pod("a", "10.0.0.2", true)]));
        var slice = Assert.Single(EndpointsBuilder.Slices(Service(), []));
        Assert.Empty(slice["endpoints"]!.AsArray());
        Assert.Equal(2, slice["ports"]!.AsArray().Count);
    }
}
