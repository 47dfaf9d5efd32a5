using Berth.Api.Patch;
using Xunit;

namespace Berth.Api.Tests.Patch;

[Trait("Tier", "Unit")]
public sealed class JsonPointerTests
{
    [Theory]
    [InlineData("", new string[0])]
    [InlineData("/", new[] { "" })]
    [InlineData("/metadata/labels", new[] { "metadata", "labels" })]
    [InlineData("/metadata/labels/app.kubernetes.io~1name", new[] { "metadata", "labels", "app.kubernetes.io/name" })]
    [InlineData("/a~0b", new[] { "a~b" })]
    [InlineData("/a~01", new[] { "a~1" })]
    [InlineData("/spec/containers/0", new[] { "spec", "containers", "0" })]
    public void ParsesAndDecodesTokens(string pointer, string[] tokens) => Assert.Equal(tokens, JsonPointer.Parse(pointer));

    [Fact]
    public void FormatEscapesAndRoundTrips()
    {
        string[] tokens = ["metadata", "annotations", "a/b~c"];
        var pointer = JsonPointer.Format(tokens);
        Assert.Equal("/metadata/annotations/a~1b~0c", pointer);
        Assert.Equal(tokens, JsonPointer.Parse(pointer));
    }

    [Fact]
    public void RejectsPointersWithoutLeadingSlash() => Assert.Throws<FormatException>(() => JsonPointer.Parse("spec"));
}
