using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Runtime;

[Trait("Tier", "Unit")]
public sealed class ImageUserTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bt-imageuser-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Layer(string name, string? passwd, string? group, bool whiteoutPasswd = false)
    {
        var dir = Path.Combine(_root, name);
        Directory.CreateDirectory(Path.Combine(dir, "etc"));
        if (passwd is not null)
        {
            File.WriteAllText(Path.Combine(dir, "etc", "passwd"), passwd);
        }

        if (group is not null)
        {
            File.WriteAllText(Path.Combine(dir, "etc", "group"), group);
        }

        if (whiteoutPasswd)
        {
            File.WriteAllText(Path.Combine(dir, "etc", ".wh.passwd"), "");
        }

        return dir;
    }

    [Theory]
    [InlineData(null, 0u, 0u, "")]
    [InlineData("", 0u, 0u, "")]
    [InlineData("nginx", 101u, 101u, "2000")]
    [InlineData("101", 101u, 101u, "2000")]
    [InlineData("nginx:www", 101u, 33u, "")]
    [InlineData("nginx:7", 101u, 7u, "")]
    [InlineData("4242", 4242u, 0u, "")]
    [InlineData("4242:4242", 4242u, 4242u, "")]
    public void ResolvesLikeRunc(string? user, uint uid, uint gid, string groups)
    {
        var top = Layer("top", "root:x:0:0::/root:/bin/sh\nnginx:x:101:101::/:/bin/false\n", "root:x:0:\nnginx:x:101:\nwww:x:33:\nlogs:x:2000:nginx,other\n");
        var bottom = Layer("bottom", "root:x:0:0::/root:/bin/sh\n", "root:x:0:\n");
        var resolved = ImageUser.Resolve(user, [top, bottom]);
        Assert.Equal(uid, resolved.Uid);
        Assert.Equal(gid, resolved.Gid);
        Assert.Equal(groups, string.Join(',', resolved.AdditionalGids ?? []));
    }

    [Fact]
    public void TheTopMostLayerWinsAndWhiteoutsHide()
    {
        var top = Layer("top2", null, null, whiteoutPasswd: true);
        var bottom = Layer("bottom2", "app:x:500:500::/:/bin/sh\n", null);
        Assert.Throws<ArgumentException>(() => ImageUser.Resolve("app", [top, bottom]));
        Assert.Equal(500u, ImageUser.Resolve("app", [Layer("middle", null, null), bottom]).Uid);
    }

    [Fact]
    public void UnknownNamesAreErrors()
    {
        var layer = Layer("only", "root:x:0:0::/root:/bin/sh\n", "root:x:0:\n");
        Assert.Contains("ghost", Assert.Throws<ArgumentException>(() => ImageUser.Resolve("ghost", [layer])).Message);
        Assert.Contains("nogroup", Assert.Throws<ArgumentException>(() => ImageUser.Resolve("root:nogroup", [layer])).Message);
    }
}
