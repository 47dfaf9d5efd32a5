using System.Text;
using Berth.Api.Client;
using Berth.Api.Patch;
using Xunit;
using static Berth.Api.Tests.Patch.JsonAssert;

namespace Berth.Api.Tests.Patch;

[Trait("Tier", "Unit")]
public sealed class ObjectPatcherTests
{
    private const string Pod = """{"metadata":{"name":"p","labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"i:1"},{"name":"d","image":"j:1"}]}}""";

    private static PatchException Fails(PatchType type, string body, PatchSchema? schema) =>
        Assert.Throws<PatchException>(() => ObjectPatcher.Apply(Obj(Pod), type, Encoding.UTF8.GetBytes(body), schema));

    [Theory]
    [InlineData("application/json-patch+json", PatchType.Json)]
    [InlineData("application/merge-patch+json", PatchType.Merge)]
    [InlineData("application/strategic-merge-patch+json", PatchType.StrategicMerge)]
    [InlineData("application/strategic-merge-patch+json; charset=UTF-8", PatchType.StrategicMerge)]
    [InlineData("application/apply-patch+yaml", PatchType.Apply)]
    public void ContentTypes(string contentType, PatchType type)
    {
        Assert.Equal(type, PatchTypes.FromContentType(contentType));
        Assert.Equal(contentType.Split(';')[0], PatchTypes.ToContentType(type));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public void OtherContentTypesAreNotPatches(string? contentType) => Assert.Null(PatchTypes.FromContentType(contentType));

    [Fact]
    public void TheSameChangeByEachPatchType()
    {
        var schema = PatchSchema.For("", "Pod");
        var viaJson = ObjectPatcher.Apply(Obj(Pod), PatchType.Json, """[{"op":"replace","path":"/spec/containers/1/image","value":"j:2"}]"""u8, schema);
        var viaSmp = ObjectPatcher.Apply(Obj(Pod), PatchType.StrategicMerge, """{"spec":{"containers":[{"name":"d","image":"j:2"}]}}"""u8, schema);
        var viaMerge = ObjectPatcher.Apply(Obj(Pod), PatchType.Merge, """{"spec":{"containers":[{"name":"c","image":"i:1"},{"name":"d","image":"j:2"}]}}"""u8, schema);
        var expected = """{"metadata":{"name":"p","labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"i:1"},{"name":"d","image":"j:2"}]}}""";
        Equal(expected, viaJson);
        Equal(expected, viaSmp);
        Equal(expected, viaMerge);
    }

    [Fact]
    public void StrategicMergeWithoutASchemaIs415ListingTheAcceptedTypes()
    {
        var e = Fails(PatchType.StrategicMerge, "{}", null);
        Assert.Equal(415, e.Code);
        Assert.Equal("UnsupportedMediaType", e.Reason);
        Assert.Equal("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json", e.Message);
    }

    [Fact]
    public void ServerSideApplyIsNotImplementedAndSays415()
    {
        var e = Fails(PatchType.Apply, "{}", PatchSchema.For("", "Pod"));
        Assert.Equal(415, e.Code);
        Assert.Contains("application/strategic-merge-patch+json", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PatchType.Json, "[{")]
    [InlineData(PatchType.StrategicMerge, "{\"a\":")]
    [InlineData(PatchType.StrategicMerge, "{} {}")]
    [InlineData(PatchType.Json, "")]
    public void BodiesThatAreNotJsonAre400(PatchType type, string body)
    {
        var e = Fails(type, body, PatchSchema.For("", "Pod"));
        Assert.Equal(400, e.Code);
        Assert.StartsWith("error decoding patch: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MergePatchBodiesThatAreNotJsonSayInvalidJsonPatch()
    {
        var e = Fails(PatchType.Merge, "{nope", null);
        Assert.Equal(400, e.Code);
        Assert.Equal("Invalid JSON Patch", e.Message);
    }

    [Fact]
    public void CustomResourcesTakeMergePatches()
    {
        var vm = Obj("""{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm"},"spec":{"running":false}}""");
        var result = ObjectPatcher.Apply(vm, PatchType.Merge, """{"spec":{"running":true}}"""u8, PatchSchema.For("kubevirt.io", "VirtualMachine"));
        Assert.True((bool)result["spec"]!["running"]!);
    }
}
