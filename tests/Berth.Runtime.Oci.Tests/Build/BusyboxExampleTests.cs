using System.Diagnostics;
using Berth.Runtime.Oci.Build;
using Berth.Runtime.Oci.Images;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Build;

/// <summary>Builds examples/busybox (RUN steps in runc), rebuilds it from the cache, and runs the result once with runc.</summary>
[Trait("Tier", "Integration")]
public sealed class BusyboxExampleTests
{
    [Fact]
    public async Task BuildsFromTheCacheAndServesItsPage()
    {
        TestEnvironment.RequireRoot();
        var runc = TestEnvironment.Require("runc", "runc");
        var busybox = File.Exists("/bin/busybox") ? "/bin/busybox" : throw new InvalidOperationException("/bin/busybox missing: apt-get install busybox-static");
        using var tmp = new TempDir("build");
        var context = tmp.Sub("ctx");
        foreach (var f in Directory.EnumerateFiles(Path.Combine(TestEnvironment.RepoRoot, "examples", "busybox"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(context, Path.GetRelativePath(Path.Combine(TestEnvironment.RepoRoot, "examples", "busybox"), f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target, overwrite: true);
        }
        File.Copy(busybox, Path.Combine(context, "busybox"), overwrite: true);
        Syscalls.Chmod(Path.Combine(context, "busybox"), 0x1ED);

        var store = new ImageStore(tmp.Sub("data"));
        var builder = new ImageBuilder(store, new RunStepExecutor(runc));
        var log = new StringWriter();
        var options = new BuildOptions(context, null, ["localhost/busybox-httpd:test"], new Dictionary<string, string> { ["GREETING"] = "Hi from the test" });
        var first = await builder.BuildAsync(options, log, TestContext.Current.CancellationToken);
        Assert.Equal(0, first.CachedSteps);
        var clock = Stopwatch.StartNew();
        var second = await builder.BuildAsync(options, TextWriter.Null, TestContext.Current.CancellationToken);
        clock.Stop();
        Assert.Equal(first.Digest, second.Digest);
        Assert.Equal(5, second.CachedSteps);
        TestContext.Current.SendDiagnosticMessage($"busybox example: first build {first.Elapsed.TotalMilliseconds:0} ms, cached rebuild {clock.ElapsedMilliseconds} ms");

        var image = store.Resolve("localhost/busybox-httpd:test");
        Assert.Equal(["/usr/sbin/httpd", "-f", "-v", "-p", "80", "-h", "/var/www"], image.Config.Entrypoint!);
        // The entrypoint must exist in the image (an applet link made by `busybox --install -s`).
        Assert.Contains(image.LayerDirs, d => new FileInfo(Path.Combine(d, "usr/sbin/httpd")).LinkTarget is not null);
        Assert.Equal("/var/www", image.Config.WorkingDir);
        Assert.Equal(5, image.LayerDirs.Count);

        // Run the image once: its httpd on a loopback port of the host network, fetched by its own wget.
        var port = TestEnvironment.FreePort();
        var output = new StringWriter();
        var work = tmp.Sub("run");
        await new RunStepExecutor(runc).RunAsync(image.LayerDirs, work, ["/bin/sh", "-c", $"httpd -p 127.0.0.1:{port} -h /var/www && wget -q -O - http://127.0.0.1:{port}/ && kill $(pidof httpd)"],
            ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "/", null, "host", output, TestContext.Current.CancellationToken);
        Assert.Contains("It works", output.ToString());
        Assert.Contains("Hi from the test", output.ToString());
    }

    [Fact]
    public async Task AFailingRunNamesTheLineAndTheExitCode()
    {
        TestEnvironment.RequireRoot();
        var runc = TestEnvironment.Require("runc", "runc");
        using var tmp = new TempDir("build");
        var context = tmp.Sub("ctx");
        File.Copy("/bin/busybox", Path.Combine(context, "busybox"));
        await File.WriteAllTextAsync(Path.Combine(context, "Containerfile"), "FROM scratch\nCOPY busybox /bin/sh\nRUN echo about to fail; exit 3\n", TestContext.Current.CancellationToken);
        var store = new ImageStore(tmp.Sub("data"));
        var log = new StringWriter();
        var e = await Assert.ThrowsAsync<BuildException>(() => new ImageBuilder(store, new RunStepExecutor(runc))
            .BuildAsync(new BuildOptions(context, null, ["x"], new Dictionary<string, string>()), log, TestContext.Current.CancellationToken));
        Assert.StartsWith("Containerfile:3: RUN: ", e.Message);
        Assert.Contains("non-zero code: 3", e.Message);
        Assert.Contains("about to fail", log.ToString());
        Assert.Null(store.FindDigest("x"));
    }
}
