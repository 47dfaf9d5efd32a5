namespace Berth.Runtime.Oci.Registry;

/// <summary>The outcome of a pull: the normalised reference and the digest it now points to in the store.</summary>
/// <param name="Reference">Normalised reference that was pulled.</param>
/// <param name="Digest">Top-level digest (index or manifest) as the registry serves it.</param>
/// <param name="ManifestDigest">The linux/amd64 image manifest (equal to <paramref name="Digest"/> without an index).</param>
/// <param name="BytesDownloaded">Blob bytes actually transferred (layers already in the store are not counted).</param>
public sealed record PullResult(string Reference, string Digest, string ManifestDigest, long BytesDownloaded);
