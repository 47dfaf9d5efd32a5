namespace Berth.Runtime.Oci.Images;

/// <summary>One row of <c>berth image ls</c>: a reference and what it points at.</summary>
/// <param name="Reference">The normalised reference; <see cref="ImageReference.Tag"/> is null for a digest-only reference.</param>
/// <param name="Digest">Manifest (or index) digest the reference points to.</param>
/// <param name="ImageId">Config digest of the linux/amd64 image.</param>
/// <param name="Size">Bytes of the image's blobs in the store (compressed layers + config + manifest), as registries count it.</param>
/// <param name="Created">The config's <c>created</c> time, when it has one.</param>
public sealed record ImageSummary(ImageReference Reference, string Digest, string ImageId, long Size, DateTimeOffset? Created);
