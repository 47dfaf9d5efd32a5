using Berth.Controllers.Runtime;

namespace Berth.Controllers.KubeVirt;

/// <summary>The controllers behind the kubevirt.io/v1 API: VMIs become pods, VMs keep their VMI, replica sets keep N VMIs.</summary>
public static class KubeVirtControllers
{
    public static IEnumerable<Func<ControllerContext, Controller>> Factories { get; } =
    [
        c => new VmiController(c),
        c => new VmController(c),
        c => new VmiReplicaSetController(c),
    ];
}
