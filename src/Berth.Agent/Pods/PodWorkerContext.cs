using Berth.Agent.Events;
using Berth.Agent.Images;
using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Logging;

namespace Berth.Agent.Pods;

/// <summary>What every pod worker of the node shares.</summary>
internal sealed class PodWorkerContext
{
    public required AgentOptions Options { get; init; }

    public required IApiClient Api { get; init; }

    /// <summary>The runtime of ordinary pods (containers).</summary>
    public required IPodRuntime Runtime { get; init; }

    /// <summary>The runtime of pods whose <c>runtimeClassName</c> is <see cref="Vm.VmPodRuntime.RuntimeClassName"/>.</summary>
    public required IPodRuntime VmRuntime { get; init; }

    public required ImageManager Images { get; init; }

    public required EventRecorder Events { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILogger Logger { get; init; }

    public required Func<NodeFacts> Node { get; init; }

    /// <summary>Crash-loop back-off per pod UID and container (10 s doubling to 5 min, reset after 10 min).</summary>
    public required BackOff CrashBackOff { get; init; }

    /// <summary>The runtime that runs <paramref name="pod"/>: chosen by its <c>runtimeClassName</c>, which never changes.</summary>
    public IPodRuntime RuntimeFor(k8s.Models.V1Pod pod) =>
        pod.Spec.RuntimeClassName == Vm.VmPodRuntime.RuntimeClassName ? VmRuntime : Runtime;

    public ResourceType Pods { get; } = ResourceRegistry.Default.Find("", "v1", "pods")!;

    public ResourceType ConfigMaps { get; } = ResourceRegistry.Default.Find("", "v1", "configmaps")!;

    public ResourceType Secrets { get; } = ResourceRegistry.Default.Find("", "v1", "secrets")!;

    public ResourceType Claims { get; } = ResourceRegistry.Default.Find("", "v1", "persistentvolumeclaims")!;

    public ResourceType Volumes { get; } = ResourceRegistry.Default.Find("", "v1", "persistentvolumes")!;
}
