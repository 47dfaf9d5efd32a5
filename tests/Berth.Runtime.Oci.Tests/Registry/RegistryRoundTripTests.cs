using System.Diagnostics;
using System.Text.Json;
using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Registry;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Registry;

/// <summary>Push and pull against Debian's docker-registry, cross-checked with skopeo.</summary>
[Trait("Tier", "Integration")]
public sealed class RegistryRoundTripTests(RegistryFixture registry) : IClassFixture<RegistryFixture>
{
    private readonly RegistryOptions _options = new();

    [Fact]
    public async Task PushThenPullIntoAFreshStoreGivesTheSameImage()
    {
        using var tmp = new TempDir("reg");
        var a = new ImageStore(tmp.Sub("a"));
        var digest = await ImageFixtures.BuildSmallAsync(a, "app:1", text: "round trip");
        var target = $"{registry.Server.Host}/team/app:1";
        var pushed = await new ImagePusher(a, _options).PushAsync("app:1", target, null, TestContext.Current.CancellationToken);
        Assert.Equal(digest, pushed.Digest);
        Assert.Equal(3, pushed.BlobsUploaded);

        var again = await new ImagePusher(a, _options).PushAsync("app:1", target, null, TestContext.Current.CancellationToken);
        Assert.Equal(3, again.BlobsSkipped);

        var b = new ImageStore(tmp.Sub("b"));
        var reports = new List<TransferProgress>();
        var pulled = await new ImagePuller(b, _options).PullAsync(target, new SyncProgress(reports), TestContext.Current.CancellationToken);
        Assert.Equal(digest, pulled.Digest);
        Assert.Equal(2, reports.Count(r => r.Kind == "layer" && r.Phase == TransferPhase.Complete));
        Assert.Contains(reports, r => r.Phase == TransferPhase.Downloading && r.Current > 0);

        // A second fresh store, warm process: the figure docs/images.md quotes for a small pull + unpack.
        var c = new ImageStore(tmp.Sub("c"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await new ImagePuller(c, _options).PullAsync(target, null, TestContext.Current.CancellationToken);
        TestContext.Current.SendDiagnosticMessage($"pull + unpack of a 2-layer image (4 KiB payload) into a fresh store: {clock.ElapsedMilliseconds} ms");

        var image = b.Resolve(target);
        Assert.Equal(digest, image.Digest);
        Assert.Equal(["/bin/true"], image.Config.Cmd!);
        Assert.Contains("GREETING=hi", image.Config.Env!);
        Assert.Equal(2, image.LayerDirs.Count);
        Assert.True(File.Exists(Path.Combine(image.LayerDirs[0], "data/payload.bin")), "top-most layer first");
        Assert.Equal("round trip", File.ReadAllText(Path.Combine(image.LayerDirs[1], "etc/hello.txt")));

        var inspect = JsonDocument.Parse(await Skopeo("inspect", "--tls-verify=false", $"docker://{target}"));
        Assert.Equal(digest, inspect.RootElement.GetProperty("Digest").GetString());
    }

    [Fact]
    public async Task ChunkedPushIsValidForSkopeo()
    {
        using var tmp = new TempDir("reg");
        var store = new ImageStore(tmp.Sub("a"));
        var digest = await ImageFixtures.BuildSmallAsync(store, "chunky:1", payloadBytes: 300_000);
        var target = $"{registry.Server.Host}/chunky:1";
        var pushed = await new ImagePusher(store, _options with { ChunkSize = 64 * 1024 }).PushAsync("chunky:1", target, null, TestContext.Current.CancellationToken);
        Assert.Equal(digest, pushed.Digest);
        // skopeo copy verifies every blob digest as it reads them.
        await Skopeo("copy", "--src-tls-verify=false", $"docker://{target}", $"oci:{tmp.Path}/oci:x");
        Assert.True(File.Exists(Path.Combine(tmp.Path, "oci", "blobs", "sha256", Digest.Hex(digest))));
    }

    [Fact]
    public async Task WhatSkopeoPushesInDockerFormatWeCanPull()
    {
        using var tmp = new TempDir("reg");
        var a = new ImageStore(tmp.Sub("a"));
        await ImageFixtures.BuildSmallAsync(a, "conv:1", text: "via skopeo");
        var layout = Path.Combine(tmp.Path, "layout");
        await new ImageArchive(a).ExportAsync("conv:1", layout, asDirectory: true, TestContext.Current.CancellationToken);
        var target = $"{registry.Server.Host}/fromskopeo:v2s2";
        await Skopeo("copy", "--format", "v2s2", "--dest-tls-verify=false", $"oci:{layout}", $"docker://{target}");

        var b = new ImageStore(tmp.Sub("b"));
        var pulled = await new ImagePuller(b, _options).PullAsync(target, null, TestContext.Current.CancellationToken);
        Assert.Equal(MediaTypes.DockerManifest, ImageJson.PeekMediaType(b.Blobs.ReadAllBytes(pulled.Digest)));
        var image = b.Resolve(target);
        Assert.Equal("via skopeo", File.ReadAllText(Path.Combine(image.LayerDirs[1], "etc/hello.txt")));
    }

    [Fact]
    public async Task ErrorsReadLikeKubelet()
    {
        using var tmp = new TempDir("reg");
        var store = new ImageStore(tmp.Sub("a"));
        var puller = new ImagePuller(store, _options);

        var missing = await Assert.ThrowsAsync<RegistryException>(() => puller.PullAsync($"{registry.Server.Host}/nothing:1", null, TestContext.Current.CancellationToken));
        Assert.StartsWith($"failed to pull image \"{registry.Server.Host}/nothing:1\": ", missing.Message);
        Assert.Contains("not found", missing.Message);
        Assert.True(missing.IsNotFound);

        var port = TestEnvironment.FreePort();
        var refused = await Assert.ThrowsAsync<RegistryException>(() => puller.PullAsync($"127.0.0.1:{port}/x:1", null, TestContext.Current.CancellationToken));
        Assert.Equal($"failed to pull image \"127.0.0.1:{port}/x:1\": dial tcp 127.0.0.1:{port}: connect: connection refused", refused.Message);

        var dns = await Assert.ThrowsAsync<RegistryException>(() => puller.PullAsync("bt-nosuchhost.invalid:5000/x:1", null, TestContext.Current.CancellationToken));
        Assert.Equal("failed to pull image \"bt-nosuchhost.invalid:5000/x:1\": dial tcp: lookup bt-nosuchhost.invalid: no such host", dns.Message);
    }

    [Fact]
    public async Task ACorruptLayerIsNamedAndNothingIsTagged()
    {
        using var tmp = new TempDir("reg");
        var a = new ImageStore(tmp.Sub("a"));
        var digest = await ImageFixtures.BuildSmallAsync(a, "bad:1");
        var target = $"{registry.Server.Host}/bad:1";
        await new ImagePusher(a, _options).PushAsync("bad:1", target, null, TestContext.Current.CancellationToken);
        var (_, manifest) = a.LoadImageManifest(digest);
        var layer = manifest.Layers[1].Digest;
        // The registry serves blobs from its filesystem without re-checking them: corrupt one there.
        var hex = Digest.Hex(layer);
        var data = Directory.GetFiles(registry.Server.StorageDir, "data", SearchOption.AllDirectories)
            .FirstOrDefault(f => f.Contains($"/blobs/sha256/{hex[..2]}/{hex}/", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("blob not found in the registry's storage");
        var bytes = await File.ReadAllBytesAsync(data, TestContext.Current.CancellationToken);
        bytes[^5] ^= 0xff;
        await File.WriteAllBytesAsync(data, bytes, TestContext.Current.CancellationToken);

        var b = new ImageStore(tmp.Sub("b"));
        var e = await Assert.ThrowsAsync<RegistryException>(() => new ImagePuller(b, _options).PullAsync(target, null, TestContext.Current.CancellationToken));
        Assert.Contains(layer, e.Message);
        Assert.Contains("failed verification", e.Message);
        Assert.Null(b.FindDigest(target));
        Assert.False(b.Blobs.Exists(layer));
    }

    internal static async Task<string> Skopeo(params string[] args)
    {
        var exe = TestEnvironment.Require("skopeo", "skopeo");
        using var tmp = new TempDir("skopeo");
        var stdout = Path.Combine(tmp.Path, "out");
        var psi = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "exec \"$0\" \"$@\" </dev/null >\"$OUT\" 2>&1", exe } };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["OUT"] = stdout;
        using var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        var output = await File.ReadAllTextAsync(stdout);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"skopeo {string.Join(' ', args)} failed ({p.ExitCode}): {output}");
        }
        return output;
    }
}
