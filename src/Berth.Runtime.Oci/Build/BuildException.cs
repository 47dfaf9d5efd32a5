using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Build;

/// <summary>A build failed; the message names the Containerfile line and what to change.</summary>
public sealed class BuildException(string message, Exception? inner = null) : ImageStoreException(message, inner);
