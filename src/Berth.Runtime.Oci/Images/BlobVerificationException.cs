namespace Berth.Runtime.Oci.Images;

/// <summary>A blob's content did not match its descriptor; nothing was stored.</summary>
public sealed class BlobVerificationException(string digest, string why)
    : ImageStoreException($"blob {digest} failed verification: {why}")
{
    public string BlobDigest { get; } = digest;
}
