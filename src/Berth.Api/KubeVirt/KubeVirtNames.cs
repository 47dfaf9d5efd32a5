namespace Berth.Api.KubeVirt;

/// <summary>
/// The labels, annotations and finalizers that KubeVirt puts on its objects (kubevirt.io/api/core/v1 <c>types.go</c>),
/// which Berth's KubeVirt controllers set the same way so that selectors written for KubeVirt keep working,
/// plus Berth's own pod contract annotation (docs/kubevirt.md).
/// </summary>
public static class KubeVirtNames
{
    public const string Group = "kubevirt.io";

    /// <summary>The aggregated group of the VM subresources (<c>start</c>, <c>stop</c>, <c>restart</c>).</summary>
    public const string SubresourcesGroup = "subresources.kubevirt.io";

    /// <summary>Pod label <c>kubevirt.io: virt-launcher</c> (KubeVirt's <c>AppLabel</c>).</summary>
    public const string AppLabel = "kubevirt.io";

    public const string LauncherApp = "virt-launcher";

    /// <summary>Pod label: the uid of the VMI the pod runs (KubeVirt's <c>CreatedByLabel</c>).</summary>
    public const string CreatedByLabel = "kubevirt.io/created-by";

    /// <summary>Pod label and annotation: the VMI's name (KubeVirt's <c>DomainAnnotation</c>).</summary>
    public const string DomainLabel = "kubevirt.io/domain";

    /// <summary>Pod label: the name of the VMI (and of its VM), <c>vm.kubevirt.io/name</c>.</summary>
    public const string VmNameLabel = "vm.kubevirt.io/name";

    /// <summary>VMI label set once its pod is on a node (KubeVirt's <c>NodeNameLabel</c>).</summary>
    public const string NodeNameLabel = "kubevirt.io/nodeName";

    /// <summary>VMI annotation: the VM generation the VMI was created from.</summary>
    public const string VmGenerationAnnotation = "kubevirt.io/vm-generation";

    /// <summary>
    /// The VMI finalizer (KubeVirt's <c>VirtualMachineInstanceFinalizer</c>): a deleted VMI stays until its pod is gone, so a
    /// VM restart never runs two guests of the same VM at once.
    /// </summary>
    public const string VmiFinalizer = "foregroundDeleteVirtualMachine";

    /// <summary>The pod's one container, as KubeVirt names the virt-launcher container.</summary>
    public const string ComputeContainer = "compute";

    /// <summary>The RuntimeClass whose pods the agent runs as QEMU virtual machines.</summary>
    public const string RuntimeClass = "vm";

    /// <summary>Pod annotation: the VM description (<see cref="VmPodSpec"/> as JSON) the agent runs; the pod contract.</summary>
    public const string SpecAnnotation = "vm.berth.dev/spec";

    /// <summary>Pod annotation the agent may set: the guest NIC's MAC address, reported in the VMI's interfaces.</summary>
    public const string MacAnnotation = "vm.berth.dev/mac";
}
