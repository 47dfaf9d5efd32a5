using Berth.Runtime.Oci.Images;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Images;

[Trait("Tier", "Unit")]
public sealed class LayerPathTests
{
    [Theory]
    [InlineData("./etc/passwd", "etc/passwd")]
    [InlineData("/etc//passwd", "etc/passwd")]
    [InlineData("a/b/../c", "a/c")]
    [InlineData("./", null)]
    [InlineData("a/..", null)]
    public void CleansPathsLikeGo(string name, string? expected)
    {
        Assert.Equal(expected, LayerUnpacker.CleanRelative(name, "layer"));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../x")]
    [InlineData("/../../x")]
    public void RefusesPathsAboveTheRoot(string name)
    {
        var e = Assert.Throws<ImageStoreException>(() => LayerUnpacker.CleanRelative(name, "layer sha256:x"));
        Assert.Contains("escapes the layer root", e.Message);
        Assert.Contains("layer sha256:x", e.Message);
    }
}
