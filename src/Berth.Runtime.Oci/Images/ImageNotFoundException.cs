namespace Berth.Runtime.Oci.Images;

/// <summary>The reference names no image in the local store (the agent then pulls, per the pod's pull policy).</summary>
public sealed class ImageNotFoundException(string reference)
    : ImageStoreException($"image \"{reference}\" not found in the local store: build it (berth image build), import it (berth image import) or pull it (berth image pull)")
{
    public string Reference { get; } = reference;
}
