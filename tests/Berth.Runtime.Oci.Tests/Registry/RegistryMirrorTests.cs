using Berth.Runtime.Oci.Registry;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Registry;

[Trait("Tier", "Unit")]
public sealed class RegistryMirrorTests
{
    private static readonly RegistryOptions Options = new()
    {
        Registries = new()
        {
            ["*"] = new RegistryHostConfig { Mirror = "127.0.0.1:1" },
            ["registry.example:5000"] = new RegistryHostConfig { Mirror = "mirror.example:443" },
        },
    };

    [Theory]
    [InlineData("docker.io", "127.0.0.1:1")]
    [InlineData("registry:5000", "127.0.0.1:1")]
    [InlineData("registry.example:5000", "mirror.example:443")]
    [InlineData("localhost:5000", null)]
    [InlineData("127.0.0.1:5000", null)]
    public void TheWildcardCoversEveryRegistryOffThisMachine(string host, string? mirror)
    {
        Assert.Equal(mirror, Options.For(host).Mirror);
        using var client = new RegistryClient(host, Options);
        Assert.Equal(mirror ?? host, client.ApiHost);
    }

    [Fact]
    public void AMirrorOnLoopbackIsSpokenToInPlainHttpLikeAnyLocalRegistry()
    {
        Assert.True(Options.IsInsecure("docker.io"));
        Assert.False(Options.IsInsecure("registry.example:5000"));
    }
}
