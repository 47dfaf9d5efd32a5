using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Patch;
using Berth.Api.Resources;
using Berth.Api.Selectors;
using Xunit;

namespace Berth.Api.Tests.Selectors;

[Trait("Tier", "Unit")]
public sealed class ObjectSelectorTests
{
    private static readonly JsonObject Pod = JsonNode.Parse("""{"metadata":{"name":"web-1","namespace":"default","labels":{"app":"web"}}}""")!.AsObject();

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("app=web", null, true)]
    [InlineData("app=api", null, false)]
    [InlineData(null, "metadata.name=web-1", true)]
    [InlineData("app=web", "metadata.namespace!=default", false)]
    [InlineData("app in (web,api)", "metadata.name=web-1,metadata.namespace=default", true)]
    public void CombinesLabelsAndFields(string? labels, string? fields, bool matches)
    {
        var s = ObjectSelector.Parse(labels, fields, ResourceStrategy.Default);
        Assert.Equal(labels is null && fields is null, s.IsEverything);
        Assert.Equal(matches, s.Matches(Pod));
        Assert.Equal(matches, s.Matches(System.Text.Json.JsonElement.Parse(Pod.ToJsonString())));
    }

    [Fact]
    public void UnsupportedFieldsAndBadSyntaxAre400()
    {
        var e = Assert.Throws<SelectorException>(() => ObjectSelector.Parse(null, "spec.nodeName=n1", ResourceStrategy.Default));
        Assert.Equal("field label not supported: spec.nodeName", e.Message);
        var api = Assert.Throws<SelectorException>(() => ObjectSelector.Parse("x in (", null, ResourceStrategy.Default)).ToApiException();
        Assert.Equal(400, api.Code);
        Assert.Equal("BadRequest", api.Reason);
        Assert.Equal("unable to parse requirement: found '', expected: ',', ')' or identifier", api.Message);
    }

    [Fact]
    public void PatchExceptionsBecomeApiExceptionsWithTheSameStatus()
    {
        var e = Assert.Throws<PatchException>(() => JsonPatch.Apply(Pod, JsonNode.Parse("""[{"op":"test","path":"/metadata/name","value":"x"}]""")));
        ApiException api = e.ToApiException();
        Assert.Equal((422, "Invalid", PatchException.RejectedMessage), (api.Code, api.Reason, api.Message));
        Assert.Equal(422, api.ToStatus()["code"]!.GetValue<int>());
    }
}
