namespace Berth.Runtime.Oci.Images;

/// <summary>The <c>{}</c> value of the set-like maps (ExposedPorts, Volumes).</summary>
public sealed record EmptyObject;
