using Berth.Runtime.Oci.Build;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Build;

[Trait("Tier", "Unit")]
public sealed class BuildCacheKeyTests
{
    [Fact]
    public void KeyIsStableAndDependsOnParentInstructionAndInputs()
    {
        var k = BuildCache.Key("p", "COPY a /a", "sha256:1");
        Assert.Equal(k, BuildCache.Key("p", "COPY a /a", "sha256:1"));
        Assert.Matches("^[a-f0-9]{64}$", k);
        Assert.NotEqual(k, BuildCache.Key("q", "COPY a /a", "sha256:1"));
        Assert.NotEqual(k, BuildCache.Key("p", "COPY a /b", "sha256:1"));
        Assert.NotEqual(k, BuildCache.Key("p", "COPY a /a", "sha256:2"));
    }

    [Fact]
    public void FieldsCannotBleedIntoEachOther()
    {
        Assert.NotEqual(BuildCache.Key("a", "b\nc", ""), BuildCache.Key("a\nb", "c", ""));
    }
}
