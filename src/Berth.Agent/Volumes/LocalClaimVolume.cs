namespace Berth.Agent.Volumes;

/// <summary>
/// A PersistentVolumeClaim resolved on this node: the claim, the PersistentVolume it is bound to, the directory that
/// volume is (<c>spec.local.path</c> or <c>spec.hostPath.path</c>) and its size in bytes (the volume's capacity, else
/// the claim's).
/// </summary>
internal sealed record LocalClaimVolume(string Claim, string Volume, string Directory, long CapacityBytes);
