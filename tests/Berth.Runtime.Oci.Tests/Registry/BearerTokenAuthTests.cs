using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Registry;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Registry;

/// <summary>The WWW-Authenticate → token endpoint → retry flow, against a token-demanding proxy in front of docker-registry.</summary>
[Trait("Tier", "Integration")]
public sealed class BearerTokenAuthTests(RegistryFixture registry) : IClassFixture<RegistryFixture>
{
    [Fact]
    public async Task PushAndPullWithCredentialsGetTokensPerScope()
    {
        await using var proxy = new TokenAuthProxy(registry.Server.Host);
        using var tmp = new TempDir("auth");
        var options = new RegistryOptions().With(null, proxy.Host, username: TokenAuthProxy.User, password: TokenAuthProxy.Password);
        var a = new ImageStore(tmp.Sub("a"));
        var digest = await ImageFixtures.BuildSmallAsync(a, "secret:1");
        var target = $"{proxy.Host}/private/secret:1";

        var pushed = await new ImagePusher(a, options).PushAsync("secret:1", target, null, TestContext.Current.CancellationToken);
        Assert.Equal(digest, pushed.Digest);
        Assert.True(proxy.TokensIssued >= 1);

        var b = new ImageStore(tmp.Sub("b"));
        var pulled = await new ImagePuller(b, options).PullAsync(target, null, TestContext.Current.CancellationToken);
        Assert.Equal(digest, pulled.Digest);
        Assert.Equal(digest, b.Resolve(target).Digest);
    }

    [Fact]
    public async Task WithoutCredentialsThePullFailsSayingWhatToDo()
    {
        await using var proxy = new TokenAuthProxy(registry.Server.Host);
        using var tmp = new TempDir("auth");
        var store = new ImageStore(tmp.Sub("a"));
        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            new ImagePuller(store, new RegistryOptions()).PullAsync($"{proxy.Host}/private/secret:1", null, TestContext.Current.CancellationToken));
        Assert.StartsWith($"failed to pull image \"{proxy.Host}/private/secret:1\": ", e.Message);
        Assert.Contains("refused access to repository:private/secret:pull", e.Message);
        Assert.Contains("--username", e.Message);
    }

    [Fact]
    public async Task WrongPasswordIsReported()
    {
        await using var proxy = new TokenAuthProxy(registry.Server.Host);
        using var tmp = new TempDir("auth");
        var options = new RegistryOptions().With(null, proxy.Host, username: TokenAuthProxy.User, password: "wrong");
        var e = await Assert.ThrowsAsync<RegistryException>(() =>
            new ImagePuller(new ImageStore(tmp.Sub("a")), options).PullAsync($"{proxy.Host}/x:1", null, TestContext.Current.CancellationToken));
        Assert.Contains("check the username and password", e.Message);
        Assert.Equal(0, proxy.TokensIssued);
    }
}
