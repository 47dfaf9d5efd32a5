namespace Berth.Runtime.Vm;

public enum VmDiskKind
{
    /// <summary>A qcow2 copy-on-write overlay in the VM's state over a read-only base image (raw or qcow2): a containerDisk. Discarded with the VM.</summary>
    Overlay,

    /// <summary>The file itself, written in place: a persistent disk that outlives the VM.</summary>
    Direct,

    /// <summary>A new sparse qcow2 of <see cref="VmDisk.SizeBytes"/> in the VM's state (KubeVirt <c>emptyDisk</c>). Discarded with the VM.</summary>
    Empty,
}
