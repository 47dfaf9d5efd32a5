using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Protobuf;
using Xunit;

namespace Berth.Api.Tests.Protobuf;

/// <summary>
/// Real protobuf bodies of kubectl 1.32 decode to exactly what the same command prints with
/// <c>--dry-run=client -o json</c> (which is Go's encoding/json of the same struct).
/// </summary>
[Trait("Tier", "Unit")]
public sealed class KubectlGoldenTests
{
    public static TheoryData<string> WithDryRun() => [.. GoldenBodies.Names().Where(n => GoldenBodies.Expected(n) is not null)];

    [Theory]
    [MemberData(nameof(WithDryRun))]
    public void DecodesToWhatKubectlPrints(string name)
    {
        var decoded = KubernetesProtobuf.Decode(GoldenBodies.Body(name));
        var expected = JsonNode.Parse(GoldenBodies.Expected(name)!)!;
        Assert.True(JsonNode.DeepEquals(expected, decoded), $"{name}:\nexpected {expected.ToJsonString()}\ndecoded  {decoded.ToJsonString()}");
    }

    [Fact]
    public void EveryCapturedBodyHasAnExpectation()
    {
        // token has no dry-run form: kubectl create token only talks to a server.
        Assert.Equal(["token"], GoldenBodies.Names().Where(n => GoldenBodies.Expected(n) is null));
    }

    [Fact]
    public void PropertiesComeInGoStructOrder()
    {
        var decoded = KubernetesProtobuf.Decode(GoldenBodies.Body("deployment"));
        Assert.Equal(["kind", "apiVersion", "metadata", "spec", "status"], decoded.Select(p => p.Key));
        Assert.Equal(["replicas", "selector", "template", "strategy"], decoded["spec"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void TokenRequestDecodesAsGoWouldWriteIt()
    {
        var decoded = KubernetesProtobuf.Decode(GoldenBodies.Body("token"));

        // kubectl names the ServiceAccount in the URL only. TokenRequestSpec's fields have no omitempty:
        // audiences is a nil slice, expirationSeconds a nil *int64 (no --duration), boundObjectRef a nil
        // pointer, all written as null by Go; status is a struct, its zero Time is null.
        var expected = JsonNode.Parse("""
            {"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1",
             "metadata":{"creationTimestamp":null},
             "spec":{"audiences":null,"expirationSeconds":null,"boundObjectRef":null},
             "status":{"token":"","expirationTimestamp":null}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, decoded), decoded.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
