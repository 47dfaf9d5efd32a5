namespace Berth.Runtime.Vm;

/// <summary>Boots the firmware (SeaBIOS) from <paramref name="Disk"/>, the first virtio disk (a containerDisk).</summary>
public sealed record DiskBoot(VmDisk Disk) : VmBoot;
