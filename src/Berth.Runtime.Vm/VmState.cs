namespace Berth.Runtime.Vm;

/// <summary>Lifecycle states; see <see cref="VmRuntime"/> for the diagram.</summary>
public enum VmState
{
    /// <summary>QEMU runs with the CPUs stopped (<c>-S</c>): disks, network and cgroup are ready; <see cref="VmRuntime.StartAsync"/> resumes it.</summary>
    Created,

    Running,

    /// <summary>QEMU has exited; <see cref="VmStatus.Reason"/> says why.</summary>
    Exited,
}
