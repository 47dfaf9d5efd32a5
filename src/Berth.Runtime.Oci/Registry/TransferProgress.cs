namespace Berth.Runtime.Oci.Registry;

/// <summary>A progress report for one blob: given to <see cref="IProgress{T}"/> by pull and push.</summary>
/// <param name="Digest">The blob's digest (a layer, or the config).</param>
/// <param name="Kind">"layer" or "config".</param>
/// <param name="Phase">What is happening to it now.</param>
/// <param name="Current">Bytes transferred so far.</param>
/// <param name="Total">The blob's size from its descriptor.</param>
public sealed record TransferProgress(string Digest, string Kind, TransferPhase Phase, long Current, long Total);
