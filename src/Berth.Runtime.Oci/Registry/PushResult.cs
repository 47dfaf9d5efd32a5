namespace Berth.Runtime.Oci.Registry;

/// <summary>The outcome of a push: where it went and the digest the registry now serves for it.</summary>
public sealed record PushResult(string Reference, string Digest, int BlobsUploaded, int BlobsSkipped, long BytesUploaded);
