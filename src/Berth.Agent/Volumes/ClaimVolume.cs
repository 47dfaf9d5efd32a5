namespace Berth.Agent.Volumes;

/// <summary>
/// A PersistentVolumeClaim resolved to the directory that backs it on this node.
/// </summary>
/// <param name="ClaimName">The claim, in the pod's namespace.</param>
/// <param name="VolumeName">The bound PersistentVolume.</param>
/// <param name="Path">The host directory to bind-mount: the PV's <c>local.path</c> or <c>hostPath.path</c>.</param>
/// <param name="ReadOnly">Every mount of it is read-only (the pod's <c>persistentVolumeClaim.readOnly</c>).</param>
/// <param name="Provisioned">The volume was made by Berth's local provisioner (<c>pv.kubernetes.io/provisioned-by: berth.dev/local</c>):
/// its directory is created on first use and removed when the PV is gone.</param>
/// <param name="HostPathType">For a hostPath PV, its <c>type</c> (the same checks as a hostPath volume); null for a local PV.</param>
/// <param name="CapacityBytes">The volume's capacity, else the claim's; null when neither says.</param>
internal sealed record ClaimVolume(string ClaimName, string VolumeName, string Path, bool ReadOnly, bool Provisioned, string? HostPathType, long? CapacityBytes);
