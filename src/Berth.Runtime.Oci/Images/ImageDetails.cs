namespace Berth.Runtime.Oci.Images;

/// <summary>Everything <c>berth image inspect</c> shows about one image.</summary>
public sealed record ImageDetails(
    string Digest,
    string MediaType,
    string ImageId,
    IReadOnlyList<string> References,
    OciManifest Manifest,
    OciImageConfig Config,
    long Size,
    IReadOnlyList<string> LayerDirs);
