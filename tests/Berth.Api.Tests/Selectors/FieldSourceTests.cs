using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Xunit;

namespace Berth.Api.Tests.Selectors;

/// <summary>
/// Watches and lists read selector fields from the parsed text, everything else from trees: for every field a kind
/// supports, both forms of the same object must give the same value, including for missing and mistyped fields.
/// </summary>
[Trait("Tier", "Unit")]
public sealed class FieldSourceTests
{
    public static TheoryData<string, string, string> Objects => new()
    {
        { "pods", "spec.nodeName,spec.restartPolicy,spec.schedulerName,spec.serviceAccountName,spec.hostNetwork,status.phase,status.podIP,status.nominatedNodeName,metadata.name,metadata.namespace",
            """{"metadata":{"name":"p","namespace":"ns"},"spec":{"nodeName":"n1","restartPolicy":"Always","hostNetwork":true,"serviceAccountName":7},"status":{"phase":"Running","podIP":"10.0.0.1","podIPs":[{"ip":"10.0.0.2"}]}}""" },
        { "pods", "spec.nodeName,spec.hostNetwork,status.podIP,status.phase,metadata.namespace",
            """{"metadata":{"name":"bare"},"spec":{"hostNetwork":"yes"},"status":{"podIP":"10.0.0.3","podIPs":[]}}""" },
        { "pods", "spec.nodeName,status.podIP", """{"metadata":{"name":"odd"},"spec":[],"status":{"podIPs":{"ip":"x"}}}""" },
        { "events", "involvedObject.kind,involvedObject.name,involvedObject.uid,reason,reportingComponent,source,type",
            """{"metadata":{"name":"e"},"involvedObject":{"kind":"Pod","name":"p","uid":"u"},"reason":"Started","source":{"component":"berth"},"type":"Normal"}""" },
        { "events", "source,reason", """{"metadata":{"name":"e"},"reportingComponent":"kubelet"}""" },
        { "nodes", "spec.unschedulable,metadata.name", """{"metadata":{"name":"n"},"spec":{"unschedulable":true}}""" },
        { "jobs", "status.successful", """{"metadata":{"name":"j"},"status":{"succeeded":3}}""" },
        { "replicasets", "status.replicas", """{"metadata":{"name":"r"},"status":{}}""" },
        { "namespaces", "status.phase,metadata.name", """{"metadata":{"name":"ns"},"status":{"phase":"Active"}}""" },
        { "secrets", "type", """{"metadata":{"name":"s"},"type":"Opaque"}""" },
        { "services", "spec.clusterIP,spec.type", """{"metadata":{"name":"s"},"spec":{"clusterIP":"10.96.0.1"}}""" },
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void TreeAndParsedTextGiveTheSameFieldValues(string plural, string fields, string json)
    {
        var type = ResourceRegistry.Default.Types.First(t => t.Plural == plural);
        var tree = JsonNode.Parse(json)!.AsObject();
        var element = JsonElement.Parse(json);
        foreach (var field in fields.Split(','))
        {
            Assert.True(type.Strategy.TryGetField(tree, field, out var fromTree), field);
            Assert.True(type.Strategy.TryGetField(element, field, out var fromElement), field);
            Assert.Equal(fromTree, fromElement);
        }
    }

    [Fact]
    public void LabelsReadTheSameFromBothForms()
    {
        const string Json = """{"metadata":{"labels":{"app":"web","n":1,"tier":"front"}}}""";
        var fromTree = new FieldSource(JsonNode.Parse(Json)!.AsObject()).StringMap("metadata", "labels");
        var fromElement = new FieldSource(JsonElement.Parse(Json)).StringMap("metadata", "labels");
        Assert.Equal(fromTree.OrderBy(p => p.Key), fromElement.OrderBy(p => p.Key));
        Assert.Equal(2, fromElement.Count);
        Assert.Empty(new FieldSource(JsonElement.Parse("{}")).StringMap("metadata", "labels"));
    }
}
