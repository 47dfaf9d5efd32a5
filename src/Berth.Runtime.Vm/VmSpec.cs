namespace Berth.Runtime.Vm;

/// <summary>
/// Everything the VM runtime needs to run one virtual machine. Pod-agnostic, like a container
/// runtime's spec: the agent translates a pod (or a KubeVirt VMI) into it. Immutable once
/// created: <see cref="VmRuntime.CreateAsync"/> persists it next to the VM's state and
/// <see cref="VmRuntime.AdoptAsync"/> reads it back after an agent restart.
/// </summary>
public sealed record VmSpec
{
    /// <summary>Required. Unique per node; [a-z0-9][a-z0-9._-]{0,62}. Names the state directory and the cgroup.</summary>
    public required string Id { get; init; }

    /// <summary>Required. How the guest boots: <see cref="KernelBoot"/> or <see cref="DiskBoot"/>.</summary>
    public required VmBoot Boot { get; init; }

    /// <summary>Further virtio disks, in order after the boot disk (if any) and before the cloud-init seed.</summary>
    public IReadOnlyList<VmDisk> Disks { get; set; } = [];

    /// <summary>
    /// The NoCloud seed. Null with a <see cref="Network"/> still gets a seed carrying the
    /// generated network-config and meta-data; null without a network gets no seed disk.
    /// </summary>
    public CloudInitSeed? CloudInit { get; init; }

    public int Vcpus { get; set; } = 1;

    /// <summary>Guest RAM in MiB.</summary>
    public int MemoryMiB { get; set; } = 128;

    /// <summary>The pod's network, as the network layer configured it. Null: the VM has no NIC.</summary>
    public VmNetwork? Network { get; init; }

    /// <summary>
    /// The pod log: the serial console in CRI log format
    /// (<c>2026-11-26T16:02:00.136768643Z stdout F line</c>). Null: console only in the raw file.
    /// </summary>
    public string? ConsoleLogPath { get; init; }

    /// <summary>
    /// The cgroup parent (e.g. <c>/berth/pod-UID</c>); the VM gets <c>PARENT/vm-ID</c> with a
    /// memory limit of guest RAM + <see cref="MemoryOverheadMiB"/>. Null: no cgroup of its own.
    /// </summary>
    public string? CgroupParent { get; init; }

    /// <summary>Memory allowed beyond guest RAM (QEMU, TCG translation cache, shim). Null: <see cref="VmRuntimeOptions.DefaultMemoryOverheadMiB"/>.</summary>
    public int? MemoryOverheadMiB { get; init; }

    /// <summary>Hostname given to the guest through meta-data when the seed has no meta-data of its own.</summary>
    public string? Hostname { get; init; }

    /// <summary>Which accelerator to use; <see cref="AccelerationPreference.Auto"/> uses KVM only when the probe boot proved it works.</summary>
    public AccelerationPreference Acceleration { get; set; } = AccelerationPreference.Auto;
}
