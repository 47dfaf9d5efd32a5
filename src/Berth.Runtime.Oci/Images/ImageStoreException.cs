namespace Berth.Runtime.Oci.Images;

/// <summary>An image operation failed; the message says what failed and, where there is one, what to do.</summary>
public class ImageStoreException : Exception
{
    public ImageStoreException(string message) : base(message) { }

    public ImageStoreException(string message, Exception? inner) : base(message, inner) { }
}
