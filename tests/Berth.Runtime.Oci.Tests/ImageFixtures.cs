using Berth.Runtime.Oci.Build;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Tests;

/// <summary>Small images built for tests without RUN steps (no runc needed).</summary>
internal static class ImageFixtures
{
    /// <summary>FROM scratch + two COPY layers (one of <paramref name="payloadBytes"/> random bytes) + CMD; returns the manifest digest.</summary>
    public static async Task<string> BuildSmallAsync(ImageStore store, string tag, int payloadBytes = 4096, string text = "hello")
    {
        using var context = new TempDir("ctx");
        await File.WriteAllTextAsync(Path.Combine(context.Path, "hello.txt"), text);
        await File.WriteAllBytesAsync(Path.Combine(context.Path, "payload.bin"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(payloadBytes));
        await File.WriteAllTextAsync(Path.Combine(context.Path, "Containerfile"), """
            FROM scratch
            COPY hello.txt /etc/hello.txt
            COPY payload.bin /data/
            ENV GREETING=hi
            EXPOSE 8080
            CMD ["/bin/true"]
            """);
        var result = await new ImageBuilder(store).BuildAsync(new BuildOptions(context.Path, null, [tag], new Dictionary<string, string>()), TextWriter.Null, CancellationToken.None);
        return result.Digest;
    }
}
