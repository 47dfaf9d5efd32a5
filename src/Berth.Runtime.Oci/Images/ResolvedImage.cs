namespace Berth.Runtime.Oci.Images;

/// <summary>
/// What the runtime needs to start a container from an image: the contract between the image
/// store and the OCI runtime (<see cref="ImageStore.Resolve"/>).
/// </summary>
/// <param name="Reference">The normalised reference that was resolved (<c>docker.io/library/busybox:latest</c>).</param>
/// <param name="Digest">The digest of the image manifest chosen for linux/amd64: the image's identity
/// (Kubernetes shows <c>imageID</c> as <c>NAME@DIGEST</c>).</param>
/// <param name="ImageId">The digest of the image config blob (what <c>docker images</c> calls IMAGE ID).</param>
/// <param name="Config">The image's execution parameters (Entrypoint, Cmd, Env, WorkingDir, User,
/// ExposedPorts, Labels, StopSignal); never null, fields may be.</param>
/// <param name="LayerDirs">Absolute paths of the unpacked layers, <b>top-most first</b>: the order
/// overlayfs wants in <c>lowerdir=</c> (join with <c>:</c>). Empty for an image without layers
/// (e.g. <c>FROM scratch</c> with only metadata); overlayfs then needs an empty directory of the
/// caller's own as lowerdir. The directories are read-only by contract: never write into them.</param>
public sealed record ResolvedImage(
    string Reference,
    string Digest,
    string ImageId,
    ContainerConfig Config,
    IReadOnlyList<string> LayerDirs);
