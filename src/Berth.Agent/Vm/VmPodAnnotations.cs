namespace Berth.Agent.Vm;

/// <summary>
/// Annotations of a VM pod written by hand (<c>runtimeClassName: vm</c> without the KubeVirt controller's
/// <c>vm.berth.dev/spec</c>), in the spirit of Virtlet's <c>VirtletCloudInitUserData</c>. All optional; a pod that has
/// <c>vm.berth.dev/spec</c> (the KubeVirt pod contract, docs/kubevirt.md) ignores them.
/// </summary>
public static class VmPodAnnotations
{
    /// <summary>The NoCloud <c>user-data</c> (a <c>#!</c> script or <c>#cloud-config</c>), as is.</summary>
    public const string UserData = "vm.berth.dev/user-data";

    /// <summary>The NoCloud <c>network-config</c> (version 1 or 2); without it the agent generates one that gives the guest the pod IP.</summary>
    public const string NetworkConfig = "vm.berth.dev/network-config";

    /// <summary>The kernel command line of a kernel-boot image (<c>console=ttyS0</c> is added unless it names a console).</summary>
    public const string KernelArgs = "vm.berth.dev/kernel-args";

    /// <summary><c>bridge</c> (default: the guest takes the pod IP) or <c>masquerade</c> (the guest sits behind NAT on the pod IP; the container's ports are forwarded, all ports when it lists none).</summary>
    public const string Network = "vm.berth.dev/network";
}
