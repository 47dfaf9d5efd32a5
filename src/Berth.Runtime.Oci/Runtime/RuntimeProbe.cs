namespace Berth.Runtime.Oci.Runtime;

/// <summary>Whether an OCI runtime is usable on this node; <see cref="Reason"/> says what to do when it is not.</summary>
public sealed record RuntimeProbe(bool Usable, string? Reason, string? Version);
