using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Runtime;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// The seam between a pod worker and what runs its pods: a sandbox per pod (network, shared namespaces, /etc files,
/// volumes) and containers in it. <see cref="OciPodRuntime"/> runs containers with runc/crun under conmon; a VM runtime
/// (pods with <c>runtimeClassName: vm</c>) will implement the same calls with one QEMU guest per pod. Everything is
/// keyed so that a new agent process adopts what an earlier one made: sandboxes by pod UID, containers by id with the
/// <see cref="ContainerAnnotations"/>.
/// </summary>
internal interface IPodRuntime
{
    /// <summary>The scheme of <c>containerID</c> (<c>runc://…</c>, <c>crun://…</c>).</summary>
    string Name { get; }

    /// <summary>Makes (or adopts) the pod's sandbox and writes its volumes; idempotent, called on every sync before containers start.</summary>
    Task<PodSandboxInfo> SetUpSandboxAsync(V1Pod pod, IPodObjects objects, CancellationToken cancellationToken);

    /// <summary>Removes the sandbox of pod <paramref name="podUid"/> (network, namespaces, volumes); idempotent. Its containers must be gone.</summary>
    Task TearDownSandboxAsync(string podUid, CancellationToken cancellationToken);

    /// <summary>Creates and starts a container; the spec is the runtime-neutral translation of the pod's container.</summary>
    Task<ContainerStatus> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken);

    Task StartAsync(string id, CancellationToken cancellationToken);

    Task<ContainerStatus?> StatusAsync(string id, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="signal"/> (the image's STOPSIGNAL), then SIGKILL after <paramref name="grace"/>.</summary>
    Task<ContainerStatus> StopAsync(string id, TimeSpan grace, int signal, CancellationToken cancellationToken);

    Task DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every container the runtime has (agent-made ones carry the pod annotations).</summary>
    Task<IReadOnlyList<ContainerStatus>> ListAsync(CancellationToken cancellationToken);

    Task<int> ExecAsync(string id, ExecSpec spec, CancellationToken cancellationToken);

    /// <summary>Runs a command and returns its exit code and output; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    Task<(int ExitCode, string Output)> ExecCaptureAsync(string id, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The image store the runtime reads layers from.</summary>
    ImageStore Images { get; }
}
