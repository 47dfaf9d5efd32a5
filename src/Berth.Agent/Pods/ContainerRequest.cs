using Berth.Runtime.Oci.Images;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// What a pod worker asks a runtime to run: one instance (<paramref name="RestartCount"/>) of one container of the
/// pod, from its resolved image, in the pod's sandbox, logging to <paramref name="LogPath"/> (CRI format).
/// </summary>
internal sealed record ContainerRequest(
    V1Pod Pod,
    V1Container Container,
    ContainerKind Kind,
    int RestartCount,
    ResolvedImage Image,
    PodSandboxInfo Sandbox,
    string LogPath,
    IPodObjects Objects);
