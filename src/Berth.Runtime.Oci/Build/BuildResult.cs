namespace Berth.Runtime.Oci.Build;

/// <summary>The image a build produced.</summary>
/// <param name="Digest">Manifest digest.</param>
/// <param name="ImageId">Config digest.</param>
/// <param name="Tags">Normalised references now pointing at it.</param>
/// <param name="Steps">Instructions executed.</param>
/// <param name="CachedSteps">Filesystem steps taken from the build cache.</param>
/// <param name="Elapsed">Wall time of the build.</param>
public sealed record BuildResult(string Digest, string ImageId, IReadOnlyList<string> Tags, int Steps, int CachedSteps, TimeSpan Elapsed);
