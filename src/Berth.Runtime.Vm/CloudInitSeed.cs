namespace Berth.Runtime.Vm;

/// <summary>
/// The contents of a NoCloud seed (a vfat disk labelled <c>CIDATA</c>), as KubeVirt's
/// <c>cloudInitNoCloud</c> volume: https://cloudinit.readthedocs.io/en/latest/reference/datasources/nocloud.html
/// Null fields are generated: meta-data from the VM id and hostname, network-config from
/// <see cref="VmSpec.Network"/> (the guest must answer on the pod IP, so a user network-config is
/// passed through unchanged and then is the user's responsibility).
/// </summary>
public sealed record CloudInitSeed(string? UserData = null, string? MetaData = null, string? NetworkConfig = null);
