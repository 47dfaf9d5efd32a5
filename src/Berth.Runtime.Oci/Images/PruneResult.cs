namespace Berth.Runtime.Oci.Images;

/// <summary>What garbage collection removed.</summary>
public sealed record PruneResult(int BlobsRemoved, int LayersRemoved, long BytesFreed, IReadOnlyList<string> LayersKeptInUse);
