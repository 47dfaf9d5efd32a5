using System.Security.Cryptography;
using Berth.Runtime.Oci.Build;
using Berth.Runtime.Oci.Images;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Images;

/// <summary>Unpacking needs root (ownership, mknod, trusted.* xattrs) and the overlay check mounts: Integration tier.</summary>
[Trait("Tier", "Integration")]
public sealed class LayerUnpackerTests
{
    public LayerUnpackerTests() => TestEnvironment.RequireRoot();

    private static string Unpack(TempDir tmp, byte[] tar, string name = "root")
    {
        var root = Path.Combine(tmp.Path, name);
        LayerUnpacker.Unpack(new MemoryStream(tar), root);
        return root;
    }

    [Fact]
    public void KeepsTypesOwnershipModesAndTimes()
    {
        using var tmp = new TempDir("unpack");
        var tar = new TarBuilder()
            .Dir("./", 0x1ED)
            .Dir("bin/", 0x1ED)
            .File("bin/tool", "#!/bin/sh\n", mode: 0x9ED /* 4755 */, uid: 1000, gid: 1001)
            .HardLink("bin/tool2", "bin/tool")
            .Symlink("bin/sh", "/bin/busybox")
            .Dir("ro/", 0x16D /* 0555 */)
            .File("ro/x", "x")
            .CharDevice("dev/null", 1, 3)
            .Fifo("run/fifo")
            .Build();
        var root = Unpack(tmp, tar);
        var tool = Syscalls.Lstat(Path.Combine(root, "bin/tool"));
        Assert.Equal(0x9EDu, tool.Mode & 0xFFF);
        Assert.Equal((1000u, 1001u), (tool.Uid, tool.Gid));
        Assert.Equal(TarBuilder.Mtime.ToUnixTimeSeconds(), tool.Mtime.Sec);
        Assert.Equal(2ul, tool.Nlink);
        Assert.Equal(tool.Ino, Syscalls.Lstat(Path.Combine(root, "bin/tool2")).Ino);
        Assert.Equal("/bin/busybox", new FileInfo(Path.Combine(root, "bin/sh")).LinkTarget);
        Assert.Equal(0x16Du, Syscalls.Lstat(Path.Combine(root, "ro")).Mode & 0xFFF);
        Assert.Equal(TarBuilder.Mtime.ToUnixTimeSeconds(), Syscalls.Lstat(Path.Combine(root, "ro")).Mtime.Sec);
        var dev = Syscalls.Lstat(Path.Combine(root, "dev/null"));
        Assert.Equal(Syscalls.SIfChr, dev.Mode & Syscalls.SIfMt);
        Assert.Equal((1L, 3L), (Syscalls.Major(dev.Rdev), Syscalls.Minor(dev.Rdev)));
        Assert.Equal(Syscalls.SIfIfo, Syscalls.Lstat(Path.Combine(root, "run/fifo")).Mode & Syscalls.SIfMt);
    }

    [Fact]
    public void GzipAndPlainGiveTheSameTreeAndTheDiffIdOfThePlainTar()
    {
        using var tmp = new TempDir("unpack");
        var builder = new TarBuilder().Dir("a/").File("a/b", "hello");
        var plain = builder.Build();
        var (diffPlain, sizePlain) = LayerUnpacker.Unpack(new MemoryStream(plain), Path.Combine(tmp.Path, "p"));
        var (diffGzip, sizeGzip) = LayerUnpacker.Unpack(new MemoryStream(builder.Build(gzip: true)), Path.Combine(tmp.Path, "g"));
        Assert.Equal(Digest.Of(plain), diffPlain);
        Assert.Equal(diffPlain, diffGzip);
        Assert.Equal(plain.Length, sizePlain);
        Assert.Equal(sizePlain, sizeGzip);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(tmp.Path, "g/a/b")));
    }

    [Fact]
    public void WhiteoutsAndOpaqueDirectoriesBecomeOverlayMarkers()
    {
        using var tmp = new TempDir("unpack");
        var root = Unpack(tmp, new TarBuilder().Dir("etc/").File("etc/.wh.old.conf", "").Dir("var/cache/").File("var/cache/.wh..wh..opq", "").File("var/cache/new", "n").Build());
        var wh = Syscalls.Lstat(Path.Combine(root, "etc/old.conf"));
        Assert.Equal(Syscalls.SIfChr, wh.Mode & Syscalls.SIfMt);
        Assert.Equal(0ul, wh.Rdev);
        Assert.False(File.Exists(Path.Combine(root, "etc/.wh.old.conf")));
        Assert.Equal("y"u8.ToArray(), Syscalls.Lgetxattr(Path.Combine(root, "var/cache"), LayerUnpacker.OpaqueXattr));
        Assert.False(File.Exists(Path.Combine(root, "var/cache/.wh..wh..opq")));
    }

    [Fact]
    public void OverlayOfUnpackedLayersHidesWhatTheUpperLayerRemoved()
    {
        using var tmp = new TempDir("unpack");
        var lower = Unpack(tmp, new TarBuilder().Dir("etc/").File("etc/keep", "k").File("etc/gone", "g").Dir("cache/").File("cache/old", "o").Build(), "l1");
        var upper = Unpack(tmp, new TarBuilder().Dir("etc/").File("etc/.wh.gone", "").Dir("cache/").File("cache/.wh..wh..opq", "").File("cache/new", "n").Build(), "l2");
        var merged = tmp.Sub("merged");
        Syscalls.Mount("overlay", merged, "overlay", 1 /* MS_RDONLY */, $"lowerdir={upper}:{lower}");
        try
        {
            Assert.True(File.Exists(Path.Combine(merged, "etc/keep")));
            Assert.False(File.Exists(Path.Combine(merged, "etc/gone")));
            Assert.Equal(["new"], Directory.GetFiles(Path.Combine(merged, "cache")).Select(Path.GetFileName));
        }
        finally
        {
            Syscalls.Unmount(merged, 0);
        }
    }

    [Theory]
    [InlineData("escape-dotdot")]
    [InlineData("escape-symlink-parent")]
    [InlineData("escape-absolute-symlink-parent")]
    [InlineData("escape-hardlink")]
    [InlineData("hardlink-missing")]
    public void RefusesEntriesThatLeaveTheRoot(string kind)
    {
        using var tmp = new TempDir("unpack");
        var outside = tmp.Sub("outside");
        var tar = kind switch
        {
            "escape-dotdot" => new TarBuilder().File("../outside/pwned", "x"),
            "escape-symlink-parent" => new TarBuilder().Symlink("link", "../outside").File("link/pwned", "x"),
            "escape-absolute-symlink-parent" => new TarBuilder().Symlink("link", outside).File("link/pwned", "x"),
            "escape-hardlink" => new TarBuilder().HardLink("h", "../outside/secret"),
            _ => new TarBuilder().HardLink("h", "not/there"),
        };
        File.WriteAllText(Path.Combine(outside, "secret"), "s");
        var e = Assert.Throws<ImageStoreException>(() => Unpack(tmp, tar.Build()));
        Assert.Matches("escapes the layer root|through the symlink|not in the layer", e.Message);
        Assert.False(File.Exists(Path.Combine(outside, "pwned")));
    }

    [Fact]
    public void LayerWriterRoundTripsAnOverlayUpperDirectory()
    {
        using var tmp = new TempDir("unpack");
        var upper = Unpack(tmp, new TarBuilder().Dir("d/").File("d/.wh.x", "").Dir("o/").File("o/.wh..wh..opq", "").File("o/f", "f", mode: 0x1C0, uid: 7, gid: 8)
            .File("hl", "same").HardLink("hl2", "hl").Symlink("s", "d").Build(), "upper");
        var store = new ImageStore(tmp.Sub("data"));
        var (layer, diffId) = LayerWriter.Write(store, upper, overlayUpper: true);
        Assert.Equal(MediaTypes.OciLayerGzip, layer.MediaType);
        using (var blob = store.Blobs.OpenRead(layer.Digest))
        {
            Assert.Equal(layer.Digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob)));
        }
        var dir = store.EnsureLayer(layer, diffId);
        Assert.Equal(0ul, Syscalls.Lstat(Path.Combine(dir, "d/x")).Rdev);
        Assert.Equal(Syscalls.SIfChr, Syscalls.Lstat(Path.Combine(dir, "d/x")).Mode & Syscalls.SIfMt);
        Assert.Equal("y"u8.ToArray(), Syscalls.Lgetxattr(Path.Combine(dir, "o"), LayerUnpacker.OpaqueXattr));
        var f = Syscalls.Lstat(Path.Combine(dir, "o/f"));
        Assert.Equal((7u, 8u, 0x1C0u), (f.Uid, f.Gid, f.Mode & 0xFFF));
        Assert.Equal(Syscalls.Lstat(Path.Combine(dir, "hl")).Ino, Syscalls.Lstat(Path.Combine(dir, "hl2")).Ino);
        Assert.Equal("d", new FileInfo(Path.Combine(dir, "s")).LinkTarget);
    }

    [Fact]
    public void ADiffIdMismatchIsRefusedAndLeavesNoLayer()
    {
        using var tmp = new TempDir("unpack");
        var store = new ImageStore(tmp.Sub("data"));
        var tar = new TarBuilder().File("a", "a").Build();
        var digest = store.Blobs.Put(tar);
        var wrong = "sha256:" + new string('0', 64);
        var e = Assert.Throws<BlobVerificationException>(() => store.EnsureLayer(new OciDescriptor { MediaType = MediaTypes.OciLayer, Digest = digest, Size = tar.Length }, wrong));
        Assert.Contains(digest, e.Message);
        Assert.Empty(Directory.GetDirectories(store.LayersDir));
    }
}
