using Berth.Runtime.Oci.Images;
using Berth.Runtime.Oci.Runtime;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// The seam between a pod worker and what runs its pods: a sandbox per pod (network, shared namespaces, /etc files,
/// volumes) and containers in it. <see cref="OciPodRuntime"/> runs containers with runc/crun under conmon;
/// <see cref="Vm.VmPodRuntime"/> runs pods with <c>runtimeClassName: vm</c> as one QEMU guest per pod
/// (<see cref="PodWorkerContext.RuntimeFor"/> chooses; a pod's runtime class never changes). Everything is keyed so
/// that a new agent process adopts what an earlier one made: sandboxes by pod UID, instances by id with the
/// <see cref="ContainerAnnotations"/>.
/// <code>
///   SetUpSandboxAsync ─▶ PrepareAsync (per instance: translate; config errors) ─▶ CreateAsync ─▶ StartAsync
///        ─▶ StatusAsync … ─▶ StopAsync ─▶ DeleteAsync ─▶ (next instance, or) TearDownSandboxAsync
/// </code>
/// </summary>
internal interface IPodRuntime
{
    /// <summary>The scheme of <c>containerID</c> (<c>runc://…</c>, <c>crun://…</c>, <c>vm://…</c>).</summary>
    string Name { get; }

    /// <summary>Makes (or adopts) the pod's sandbox and writes its volumes; idempotent, called on every sync before containers start.</summary>
    Task<PodSandboxInfo> SetUpSandboxAsync(V1Pod pod, IPodObjects objects, CancellationToken cancellationToken);

    /// <summary>Removes the sandbox of pod <paramref name="podUid"/> (network, namespaces, volumes); idempotent. Its containers must be gone.</summary>
    Task TearDownSandboxAsync(string podUid, CancellationToken cancellationToken);

    /// <summary>
    /// Translates one instance of one of the pod's containers into this runtime's spec. Throws
    /// <see cref="ContainerConfigException"/> (<c>CreateContainerConfigError</c>) or <see cref="ContainerCreateException"/>
    /// (<c>CreateContainerError</c>) with the message the container's waiting state shows; creates nothing.
    /// </summary>
    Task<RuntimeSpec> PrepareAsync(ContainerRequest request, CancellationToken cancellationToken);

    /// <summary>Creates the instance (not started) from what <see cref="PrepareAsync"/> returned; throws <see cref="ContainerRuntimeException"/> with the runtime's words.</summary>
    Task<ContainerStatus> CreateAsync(RuntimeSpec spec, CancellationToken cancellationToken);

    Task StartAsync(string id, CancellationToken cancellationToken);

    Task<ContainerStatus?> StatusAsync(string id, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="signal"/> (the image's STOPSIGNAL), then SIGKILL after <paramref name="grace"/> (a VM: the ACPI power button, then quit).</summary>
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
