using Berth.Runtime.Oci.Registry;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Registry;

[Trait("Tier", "Unit")]
public sealed class AuthChallengeTests
{
    [Fact]
    public void ParsesDockerHubStyleBearerChallenge()
    {
        var c = AuthChallenge.Parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\"")!;
        Assert.Equal("Bearer", c.Scheme);
        Assert.Equal("https://auth.docker.io/token", c.Realm);
        Assert.Equal("registry.docker.io", c.Service);
        Assert.Equal("repository:library/busybox:pull", c.Scope);
    }

    [Fact]
    public void QuotedValuesMayHoldCommasAndEscapes()
    {
        var c = AuthChallenge.Parse("Bearer realm=\"http://127.0.0.1:1/t\", scope=\"repository:a/b:pull,push\", error=\"x\\\"y\"")!;
        Assert.Equal("repository:a/b:pull,push", c.Scope);
        Assert.Equal("x\"y", c.Parameters["error"]);
    }

    [Fact]
    public void BasicChallengeWithUnquotedRealm()
    {
        var c = AuthChallenge.Parse("Basic realm=Registry")!;
        Assert.Equal("Basic", c.Scheme);
        Assert.Equal("Registry", c.Realm);
    }

    [Theory]
    [InlineData("localhost:5000", true)]
    [InlineData("localhost", true)]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.1.2.3:80", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("registry:5000", false)]
    [InlineData("docker.io", false)]
    public void LoopbackRegistriesAreInsecureByDefault(string host, bool insecure)
    {
        Assert.Equal(insecure, new RegistryOptions().IsInsecure(host));
    }

    [Fact]
    public void ConfigurationOverridesTheDefault()
    {
        var options = new RegistryOptions
        {
            InsecureRegistries = ["registry:5000"],
            Registries = new() { ["localhost:5443"] = new RegistryHostConfig { Insecure = false, CaFile = "/ca.pem" } },
        };
        Assert.True(options.IsInsecure("registry:5000"));
        Assert.False(options.IsInsecure("localhost:5443"));
        var withFlags = options.With(["other:1"], "other:1", caFile: "/x.pem", username: "u", password: "p");
        Assert.True(withFlags.IsInsecure("other:1"));
        Assert.Equal("u", withFlags.For("other:1").Username);
        Assert.Equal("/x.pem", withFlags.For("other:1").CaFile);
    }
}
