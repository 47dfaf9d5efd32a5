using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Registry;

/// <summary>
/// A registry operation failed. <see cref="Exception.Message"/> is the whole story in one line, the
/// way kubelet words an <c>ErrImagePull</c> (<c>failed to pull image "x": …: dial tcp: lookup
/// registry: no such host</c>); the agent can put it on the pod as it is.
/// </summary>
public sealed class RegistryException : ImageStoreException
{
    public RegistryException(string message, int? statusCode = null, string? errorCode = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>The HTTP status the registry answered, when it answered.</summary>
    public int? StatusCode { get; }

    /// <summary>The distribution spec error code (<c>MANIFEST_UNKNOWN</c>, <c>UNAUTHORIZED</c>, <c>BLOB_UNKNOWN</c>…), when given.</summary>
    public string? ErrorCode { get; }

    /// <summary>True when the image does not exist (404 / MANIFEST_UNKNOWN / NAME_UNKNOWN): no point retrying.</summary>
    public bool IsNotFound => StatusCode == 404 || ErrorCode is "MANIFEST_UNKNOWN" or "NAME_UNKNOWN";
}
