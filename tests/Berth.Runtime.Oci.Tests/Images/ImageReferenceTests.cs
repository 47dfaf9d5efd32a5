using Berth.Runtime.Oci.Images;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Images;

[Trait("Tier", "Unit")]
public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36")]
    [InlineData("library/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("bitnami/redis:7", "docker.io/bitnami/redis:7", "bitnami/redis:7")]
    [InlineData("localhost/x", "localhost/x:latest", "localhost/x:latest")]
    [InlineData("localhost:5000/a/b:v1", "localhost:5000/a/b:v1", "localhost:5000/a/b:v1")]
    [InlineData("registry:5000/x:tag", "registry:5000/x:tag", "registry:5000/x:tag")]
    [InlineData("Registry.Example.com/team/app", "registry.example.com/team/app:latest", "registry.example.com/team/app:latest")]
    [InlineData("127.0.0.1:5000/x", "127.0.0.1:5000/x:latest", "127.0.0.1:5000/x:latest")]
    [InlineData("x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "docker.io/library/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("r:5000/x:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "r:5000/x:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "r:5000/x:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("a.b/c_d/e__f/g-h--i.j", "a.b/c_d/e__f/g-h--i.j:latest", "a.b/c_d/e__f/g-h--i.j:latest")]
    public void NormalisesLikeDocker(string text, string full, string familiar)
    {
        var r = ImageReference.Parse(text);
        Assert.Equal(full, r.ToString());
        Assert.Equal(familiar, r.Familiar);
    }

    [Fact]
    public void DigestWinsForTheRegistryRequest()
    {
        var r = ImageReference.Parse("r:5000/x:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        Assert.Equal("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", r.ManifestReference);
        Assert.Equal("r:5000", r.Registry);
        Assert.Equal("x", r.Repository);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("UPPER/case", "lowercase")]
    [InlineData("busybox:", "bad tag")]
    [InlineData("busybox:-x", "bad tag")]
    [InlineData("x@sha256:abc", "bad digest")]
    [InlineData("x@md5:0123", "bad digest")]
    [InlineData("a//b", "bad repository path component")]
    [InlineData("-a/b", "bad repository path component")]
    public void RefusesMalformedReferencesWithAReason(string text, string reason)
    {
        var e = Assert.Throws<FormatException>(() => ImageReference.Parse(text));
        Assert.Contains(reason, e.Message);
    }
}
