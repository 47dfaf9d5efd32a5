using System.Formats.Tar;
using System.Text;
using Berth.Runtime.Oci.Images;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Images;

/// <summary>The store's contract with the runtime (Resolve), references, GC, archives. Needs root (ownership on unpack).</summary>
[Trait("Tier", "Integration")]
public sealed class ImageStoreTests
{
    public ImageStoreTests() => TestEnvironment.RequireRoot();

    [Fact]
    public async Task ResolveAcceptsEveryReferenceFormAndOrdersLayersTopMostFirst()
    {
        using var tmp = new TempDir("store");
        var store = new ImageStore(tmp.Path);
        var digest = await ImageFixtures.BuildSmallAsync(store, "localhost/app:1");
        var image = store.Resolve("localhost/app:1");
        Assert.Equal(digest, image.Digest);
        Assert.Equal("localhost/app:1", image.Reference);
        Assert.Equal(2, image.LayerDirs.Count);
        Assert.True(File.Exists(Path.Combine(image.LayerDirs[0], "data/payload.bin")));
        Assert.True(File.Exists(Path.Combine(image.LayerDirs[1], "etc/hello.txt")));
        Assert.All(image.LayerDirs, d => Assert.StartsWith(Path.Combine(tmp.Path, "images", "layers"), d));
        Assert.Contains("8080/tcp", image.Config.ExposedPorts!.Keys);

        Assert.Equal(digest, store.Resolve($"localhost/app@{digest}").Digest);
        Assert.Equal(digest, store.Resolve(digest).Digest);
        Assert.Equal(digest, store.Resolve(image.ImageId).Digest);
        Assert.Equal(digest, store.Resolve(Digest.Short(image.ImageId)).Digest);
        var e = Assert.Throws<ImageNotFoundException>(() => store.Resolve("localhost/app:2"));
        Assert.Contains("berth image pull", e.Message);
    }

    [Fact]
    public async Task BusyboxNormalisationFindsTheDockerHubName()
    {
        using var tmp = new TempDir("store");
        var store = new ImageStore(tmp.Path);
        var digest = await ImageFixtures.BuildSmallAsync(store, "busybox");
        Assert.Equal(digest, store.Resolve("docker.io/library/busybox:latest").Digest);
        Assert.Equal(digest, store.Resolve("library/busybox").Digest);
        var row = Assert.Single(store.List());
        Assert.Equal("docker.io/library/busybox", row.Reference.Name);
        Assert.Equal("latest", row.Reference.Tag);
    }

    [Fact]
    public async Task RemoveThenPruneFreesOnlyWhatIsUnreferencedAndKeepsMountedLayers()
    {
        using var tmp = new TempDir("store");
        var store = new ImageStore(tmp.Path);
        await ImageFixtures.BuildSmallAsync(store, "keep:1", text: "keep");
        var gone = await ImageFixtures.BuildSmallAsync(store, "gone:1", text: "gone");
        store.Tag("gone:1", "gone:alias");
        var goneImage = store.Resolve("gone:1");
        Assert.Equal(["docker.io/library/gone:1"], store.Remove("gone:1"));
        Assert.Equal(goneImage.Digest, store.Resolve("gone:alias").Digest);
        Assert.Equal(["docker.io/library/gone:alias"], store.Remove(goneImage.ImageId));

        // A container still running from the removed image keeps its layer mounted.
        var merged = tmp.Sub("merged");
        var mountedLayer = goneImage.LayerDirs[1];
        Syscalls.Mount("overlay", merged, "overlay", 1, $"lowerdir={mountedLayer}:{goneImage.LayerDirs[0]}");
        try
        {
            var result = store.Prune();
            Assert.True(result.BlobsRemoved >= 3);
            Assert.Contains(mountedLayer, result.LayersKeptInUse);
            Assert.False(store.Blobs.Exists(gone));
        }
        finally
        {
            Syscalls.Unmount(merged, 0);
        }
        Assert.Equal("keep", File.ReadAllText(Path.Combine(store.Resolve("keep:1").LayerDirs[1], "etc/hello.txt")));
        var after = store.Prune();
        Assert.True(after.LayersRemoved >= 1);
        Assert.Empty(after.LayersKeptInUse);
        Assert.Single(store.List());
    }

    [Fact]
    public async Task TwoStoresOnOneDirectoryUnpackTheSameLayerConcurrently()
    {
        using var tmp = new TempDir("store");
        var first = new ImageStore(tmp.Path);
        var digest = await ImageFixtures.BuildSmallAsync(first, "shared:1", payloadBytes: 2_000_000);
        var (md, manifest) = first.LoadImageManifest(digest);
        var config = first.LoadConfig(manifest, md);
        foreach (var d in Directory.GetDirectories(first.LayersDir))
        {
            ImageStore.RemoveTree(d);
        }
        var stores = Enumerable.Range(0, 4).Select(_ => new ImageStore(tmp.Path)).ToList();
        var dirs = await Task.WhenAll(stores.Select(s => Task.Run(() => s.EnsureLayer(manifest.Layers[1], config.RootFs.DiffIds[1]), TestContext.Current.CancellationToken)));
        Assert.Single(dirs.Distinct());
        Assert.Equal(2_000_000, new FileInfo(Path.Combine(dirs[0], "data/payload.bin")).Length);
        Assert.Empty(Directory.GetDirectories(first.LayersDir, ".tmp-*"));
    }

    [Fact]
    public async Task ImportsADockerSaveTarball()
    {
        using var tmp = new TempDir("store");
        var layer = new TarBuilder().Dir("bin/").File("bin/hello", "from docker save", mode: 0x1ED).Build();
        var config = """{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/hello"]},"rootfs":{"type":"layers","diff_ids":["DIFF"]}}""".Replace("DIFF", Digest.Of(layer));
        var archive = Path.Combine(tmp.Path, "saved.tar");
        await using (var f = File.Create(archive))
        await using (var w = new TarWriter(f))
        {
            void Add(string name, byte[] data) => w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            var configName = Digest.Hex(Digest.Of(Encoding.UTF8.GetBytes(config))) + ".json";
            Add(configName, Encoding.UTF8.GetBytes(config));
            Add("abc/layer.tar", layer);
            Add("manifest.json", Encoding.UTF8.GetBytes($$"""[{"Config":"{{configName}}","RepoTags":["saved:1"],"Layers":["abc/layer.tar"]}]"""));
        }
        var store = new ImageStore(tmp.Sub("data"));
        var imported = await new ImageArchive(store).ImportAsync(archive, null, TestContext.Current.CancellationToken);
        Assert.Equal("docker.io/library/saved:1", Assert.Single(imported).Reference);
        var image = store.Resolve("saved:1");
        Assert.Equal(["/bin/hello"], image.Config.Cmd!);
        Assert.Equal("from docker save", File.ReadAllText(Path.Combine(image.LayerDirs[0], "bin/hello")));
    }

    [Fact]
    public async Task ExportThenImportKeepsTheDigest()
    {
        using var tmp = new TempDir("store");
        var a = new ImageStore(tmp.Sub("a"));
        var digest = await ImageFixtures.BuildSmallAsync(a, "registry:5000/team/app:2");
        var file = Path.Combine(tmp.Path, "app.tar");
        await new ImageArchive(a).ExportAsync("registry:5000/team/app:2", file, asDirectory: false, TestContext.Current.CancellationToken);
        var b = new ImageStore(tmp.Sub("b"));
        var imported = await new ImageArchive(b).ImportAsync(file, null, TestContext.Current.CancellationToken);
        Assert.Contains(imported, i => i.Reference == "registry:5000/team/app:2" && i.Digest == digest);
        Assert.Equal(digest, b.Resolve("registry:5000/team/app:2").Digest);

        // skopeo reads the same file as an OCI archive.
        var inspect = await Registry.RegistryRoundTripTests.Skopeo("inspect", $"oci-archive:{file}");
        Assert.Contains(digest, inspect);
    }
}
