namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// Runs containers on this node. Runtime-neutral and pod-agnostic: the node agent turns pods into
/// calls on this interface; implementations keep all their state on disk so that a new instance on the
/// same data directory (after the agent restarts) sees, controls and deletes the containers an earlier
/// instance created, which keep running in between. Every method is safe to call concurrently;
/// calls for one container are serialized.
/// <para>Lifecycle (see <see cref="ContainerState"/>): Create → Start → (exit | Stop) → Delete.</para>
/// </summary>
public interface IContainerRuntime
{
    /// <summary><c>runc</c>, <c>crun</c>, ...</summary>
    string Name { get; }

    /// <summary>
    /// Sets the container up (rootfs, bundle, shim, namespaces, cgroup) without starting its process.
    /// Fails when the id exists. On failure nothing is left behind.
    /// </summary>
    Task<ContainerStatus> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken);

    /// <summary>Starts a Created container's process.</summary>
    Task StartAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="signal"/> (default SIGTERM) and, if the process is still there after
    /// <paramref name="gracePeriod"/>, SIGKILL; returns once the container has Exited. No-op when it already has.
    /// </summary>
    Task<ContainerStatus> StopAsync(string id, TimeSpan gracePeriod, CancellationToken cancellationToken, int signal = 15);

    /// <summary>The container's status, or null when no such container exists.</summary>
    Task<ContainerStatus?> StatusAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every container in this runtime's data directory (adopting those an earlier agent process created).</summary>
    Task<IReadOnlyList<ContainerStatus>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Kills what still runs and removes everything the container had: runtime state, shim, rootfs mount, writable layer, cgroups, bundle. Keeps the log file. Idempotent.</summary>
    Task DeleteAsync(string id, CancellationToken cancellationToken);

    /// <summary>Runs a process in a Running container (kubectl exec, exec probes) and returns its exit code once it and its output have ended.</summary>
    Task<int> ExecAsync(string id, ExecSpec request, CancellationToken cancellationToken);
}
