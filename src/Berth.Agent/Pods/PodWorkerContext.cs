using Berth.Agent.Events;
using Berth.Agent.Images;
using Berth.Agent.Probes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Logging;

namespace Berth.Agent.Pods;

/// <summary>What every pod worker of the node shares.</summary>
internal sealed class PodWorkerContext
{
    public required AgentOptions Options { get; init; }

    public required IApiClient Api { get; init; }

    public required IPodRuntime Runtime { get; init; }

    public required ImageManager Images { get; init; }

    public required EventRecorder Events { get; init; }

    public required ProbeRunner Prober { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILogger Logger { get; init; }

    public required Func<NodeFacts> Node { get; init; }

    /// <summary>Crash-loop back-off per pod UID and container (10 s doubling to 5 min, reset after 10 min).</summary>
    public required BackOff CrashBackOff { get; init; }

    public ResourceType Pods { get; } = ResourceRegistry.Default.Find("", "v1", "pods")!;

    public ResourceType ConfigMaps { get; } = ResourceRegistry.Default.Find("", "v1", "configmaps")!;

    public ResourceType Secrets { get; } = ResourceRegistry.Default.Find("", "v1", "secrets")!;
}
