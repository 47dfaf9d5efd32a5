using Berth.Runtime.Oci.Build;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Build;

[Trait("Tier", "Unit")]
public sealed class UserResolverTests
{
    private static readonly string[][] Passwd = [["root", "x", "0", "0"], ["app", "x", "1000", "1001"]];
    private static readonly string[][] Groups = [["root", "x", "0"], ["staff", "x", "50"]];

    private static (uint, uint) Resolve(string? user) => UserResolver.Resolve(
        user,
        n => Passwd.FirstOrDefault(p => n.StartsWith('#') ? p[2] == n[1..] : p[0] == n),
        n => Groups.FirstOrDefault(g => g[0] == n));

    [Theory]
    [InlineData(null, 0u, 0u)]
    [InlineData("app", 1000u, 1001u)]
    [InlineData("1000", 1000u, 1001u)]
    [InlineData("4242", 4242u, 0u)]
    [InlineData("app:staff", 1000u, 50u)]
    [InlineData("5:7", 5u, 7u)]
    public void ResolvesLikeRunc(string? user, uint uid, uint gid)
    {
        Assert.Equal((uid, gid), Resolve(user));
    }

    [Fact]
    public void UnknownNamesFailWithTheName()
    {
        Assert.Contains("nobody", Assert.Throws<BuildException>(() => Resolve("nobody")).Message);
        Assert.Contains("wheel", Assert.Throws<BuildException>(() => Resolve("app:wheel")).Message);
    }
}
