using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Runtime;

/// <summary>What every controller gets: the API, the shared informers, the registry, time and logging.</summary>
public sealed class ControllerContext(IApiClient api, SharedInformers informers, ResourceRegistry registry, TimeProvider time, ILoggerFactory loggers)
{
    public IApiClient Api { get; } = api;

    public SharedInformers Informers { get; } = informers;

    public ResourceRegistry Registry { get; } = registry;

    public TimeProvider Time { get; } = time;

    public ILoggerFactory Loggers { get; } = loggers;

    /// <summary>The type of <paramref name="plural"/> in <paramref name="group"/> (v1 unless given).</summary>
    public ResourceType Type(string group, string plural, string version = "v1") =>
        Registry.Find(group, version, plural) ?? throw new InvalidOperationException($"no resource {plural} in {group}/{version}");
}
