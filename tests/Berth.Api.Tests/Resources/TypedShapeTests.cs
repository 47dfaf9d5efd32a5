using System.Reflection;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using k8s.Models;
using Xunit;

namespace Berth.Api.Tests.Resources;

[Trait("Tier", "Unit")]
public sealed class TypedShapeTests
{
    private static ResourceType Type(string group, string plural) => ResourceRegistry.Default.Find(group, "v1", plural)!;

    private static JsonObject Pod(string containerJson) => JsonNode.Parse(
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[" + containerJson + "]}}")!.AsObject();

    [Theory]
    [InlineData("""{"name":"c","image":"i","readinessProbe":{"exec":{"command":[true]}}}""", "spec.containers[0].readinessProbe.exec.command")]
    [InlineData("""{"name":"c","image":"i","command":"sh -c x"}""", "spec.containers[0].command")]
    [InlineData("""{"name":"c","image":7}""", "spec.containers[0].image")]
    [InlineData("""{"name":"c","image":"i","ports":[{"containerPort":"eighty"}]}""", "containerPort")]
    public void AFieldOfTheWrongTypeIsABadRequestNamingIt(string container, string path)
    {
        var e = Assert.Throws<ApiException>(() => TypedShape.Check(Type("", "pods"), Pod(container)));
        Assert.Equal(400, e.Code);
        Assert.Equal("BadRequest", e.Reason);
        Assert.StartsWith("Pod in version \"v1\" cannot be handled as a Pod: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name":"c","image":"i","resources":{"limits":{"cpu":1,"memory":"64Mi"},"requests":{"cpu":"100m"}}}""")]
    [InlineData("""{"name":"c","image":"i","readinessProbe":{"httpGet":{"port":"http","path":"/"}},"livenessProbe":{"tcpSocket":{"port":8080}}}""")]
    [InlineData("""{"name":"c","image":"i","env":[{"name":"A","value":"1"}],"unknownField":{"x":[1,2]}}""")]
    [InlineData("""{"name":"c","image":"i","command":null,"securityContext":{"runAsUser":1000,"capabilities":{"drop":["ALL"]}}}""")]
    public void WhatKubernetesAcceptsDecodes(string container) => TypedShape.Check(Type("", "pods"), Pod(container));

    [Fact]
    public void EveryBuiltInKindHasAModelAndKubeVirtNone()
    {
        foreach (var type in ResourceRegistry.Default.Types.Where(t => !t.Virtual && !t.Group.EndsWith("kubevirt.io", StringComparison.Ordinal)))
        {
            Assert.True(TypedShape.ModelOf(type) is not null, $"{type} has no KubernetesClient model");
        }

        Assert.Null(TypedShape.ModelOf(ResourceRegistry.Default.Find("kubevirt.io", "v1", "virtualmachines")!));
    }

    [Fact]
    public void EveryModelInTheTableIsItsKindsAndItsStatusIsTheModelsStatus()
    {
        foreach (var (key, model, status) in TypedShape.Table)
        {
            var entity = model.GetCustomAttribute<KubernetesEntityAttribute>();
            Assert.NotNull(entity);
            Assert.Equal(key, (entity.Group ?? "", entity.ApiVersion, entity.Kind));
            Assert.Equal(model.GetProperty("Status")?.PropertyType, status);
        }
    }

    [Fact]
    public void ADeploymentWithAnIntOrStringSurgeAndAServiceWithANamedTargetPortDecode()
    {
        TypedShape.Check(Type("apps", "deployments"), JsonNode.Parse("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","creationTimestamp":null},
             "spec":{"selector":{"matchLabels":{"a":"b"}},"strategy":{"rollingUpdate":{"maxSurge":"25%","maxUnavailable":0}},
                     "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """)!.AsObject());
        TypedShape.Check(Type("", "services"), JsonNode.Parse("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":"http"}]}}
            """)!.AsObject());
    }

    [Fact]
    public void AStatusWriteChecksTheStatusOnly()
    {
        var pod = Pod("""{"name":"c","image":"i","readinessProbe":{"exec":{"command":[true]}}}""");
        pod["status"] = JsonNode.Parse("""{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False"}]}""");
        TypedShape.CheckStatus(Type("", "pods"), pod);

        pod["status"] = JsonNode.Parse("""{"phase":"Pending","conditions":{"type":"PodScheduled"}}""");
        var e = Assert.Throws<ApiException>(() => TypedShape.CheckStatus(Type("", "pods"), pod));
        Assert.Equal(400, e.Code);
    }
}
