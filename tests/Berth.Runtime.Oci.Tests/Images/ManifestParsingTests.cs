using System.Text;
using Berth.Runtime.Oci.Images;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Images;

[Trait("Tier", "Unit")]
public sealed class ManifestParsingTests
{
    private const string DockerManifest = """
        {
           "schemaVersion": 2,
           "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
           "config": {
              "mediaType": "application/vnd.docker.container.image.v1+json",
              "size": 1457,
              "digest": "sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824"
           },
           "layers": [
              {
                 "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                 "size": 2220094,
                 "digest": "sha256:809d8e20e2032e3d2f9bd5b6d6a8a35d5e6c4e9d6a8b8c0d1a2b3c4d5e6f7a8b"
              }
           ]
        }
        """;

    private const string Index = """
        {
          "manifests": [
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":1,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222","size":1,"platform":{"architecture":"amd64","os":"linux"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:3333333333333333333333333333333333333333333333333333333333333333","size":1,"platform":{"architecture":"unknown","os":"unknown"}}
          ],
          "schemaVersion": 2
        }
        """;

    [Fact]
    public void DockerSchema2ManifestParses()
    {
        var bytes = Encoding.UTF8.GetBytes(DockerManifest);
        Assert.Equal(MediaTypes.DockerManifest, ImageJson.PeekMediaType(bytes));
        Assert.True(MediaTypes.IsManifest(ImageJson.PeekMediaType(bytes)));
        var m = ImageJson.Deserialize<OciManifest>(bytes, "m");
        Assert.Equal(MediaTypes.DockerConfig, m.Config.MediaType);
        Assert.Single(m.Layers);
        Assert.True(MediaTypes.IsLayer(m.Layers[0].MediaType));
        Assert.Equal(2220094, m.Layers[0].Size);
    }

    [Fact]
    public void IndexWithoutMediaTypeIsRecognisedAndLinuxAmd64IsChosen()
    {
        var bytes = Encoding.UTF8.GetBytes(Index);
        Assert.Equal(MediaTypes.OciIndex, ImageJson.PeekMediaType(bytes));
        var index = ImageJson.Deserialize<OciIndex>(bytes, "i");
        Assert.Equal("sha256:2222222222222222222222222222222222222222222222222222222222222222", index.SelectLinuxAmd64()!.Digest);
    }

    [Fact]
    public void IndexWithoutAmd64SelectsNothing()
    {
        var index = new OciIndex { Manifests = [new OciDescriptor { MediaType = MediaTypes.OciManifest, Digest = "sha256:" + new string('1', 64), Size = 1, Platform = new OciPlatform { Os = "linux", Architecture = "arm64" } }] };
        Assert.Null(index.SelectLinuxAmd64());
    }

    [Fact]
    public void ConfigKeepsTheFieldsTheRuntimeNeeds()
    {
        var json = """
            {"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05Z",
             "config":{"User":"1000:1000","Env":["PATH=/bin","A=b"],"Entrypoint":["/ep"],"Cmd":["x"],"WorkingDir":"/w",
                       "ExposedPorts":{"80/tcp":{}},"Labels":{"k":"v"},"StopSignal":"SIGQUIT"},
             "rootfs":{"type":"layers","diff_ids":["sha256:4444444444444444444444444444444444444444444444444444444444444444"]},
             "unknown":{"kept":"no"}}
            """;
        var c = ImageJson.Deserialize<OciImageConfig>(Encoding.UTF8.GetBytes(json), "c");
        Assert.Equal("1000:1000", c.Config!.User);
        Assert.Equal(["/ep"], c.Config.Entrypoint!);
        Assert.Equal(["x"], c.Config.Cmd!);
        Assert.Equal("/w", c.Config.WorkingDir);
        Assert.Contains("80/tcp", c.Config.ExposedPorts!.Keys);
        Assert.Equal("v", c.Config.Labels!["k"]);
        Assert.Single(c.RootFs.DiffIds);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), c.Created);
    }

    [Fact]
    public void MalformedJsonSaysWhatItWas()
    {
        var e = Assert.Throws<ImageStoreException>(() => ImageJson.Deserialize<OciManifest>("{not json"u8, "image manifest sha256:x"));
        Assert.Contains("image manifest sha256:x", e.Message);
    }

    [Theory]
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("sha256:../../etc/passwd", false)]
    public void DigestsAreValidatedBeforeBecomingFileNames(string digest, bool valid)
    {
        Assert.Equal(valid, Digest.IsValid(digest));
    }
}
