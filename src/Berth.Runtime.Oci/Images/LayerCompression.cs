using System.IO.Compression;

namespace Berth.Runtime.Oci.Images;

/// <summary>Recognises a layer's compression from its first bytes (media types lie in the wild: Docker's
/// <c>docker save</c> archives hold plain tars, some registries serve gzip as ".tar").</summary>
public static class LayerCompression
{
    /// <summary>A stream of the uncompressed tar: gzip is inflated, plain tar passes through, zstd is refused with a clear message.</summary>
    public static Stream OpenDecompressed(Stream raw, string what)
    {
        var buffered = new BufferedStream(raw, 1 << 16);
        var n = 0;
        var head = new byte[4];
        while (n < 4)
        {
            var r = buffered.Read(head, n, 4 - n);
            if (r == 0)
            {
                break;
            }
            n += r;
        }
        var prefixed = new PrefixedStream(head[..n], buffered);
        if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        {
            return new GZipStream(prefixed, CompressionMode.Decompress);
        }
        if (n == 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
        {
            throw new ImageStoreException($"{what} is zstd-compressed, which Berth does not unpack yet: rebuild or re-push the image with gzip layers (skopeo copy --dest-compress-format gzip)");
        }
        return prefixed;
    }
}
