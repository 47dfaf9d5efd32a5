namespace Berth.Agent.Images;

/// <summary>An image could not be made available: <see cref="Reason"/> is the waiting reason the container shows
/// (<c>ErrImagePull</c>, <c>ImagePullBackOff</c>, <c>ErrImageNeverPull</c>, <c>InvalidImageName</c>).</summary>
public sealed class ImagePullException(string reason, string message) : Exception(message)
{
    public string Reason { get; } = reason;
}
