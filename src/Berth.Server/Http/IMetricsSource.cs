using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Server.Http;

/// <summary>
/// Computes <c>metrics.k8s.io/v1beta1</c> PodMetrics and NodeMetrics on request (they are never
/// stored), from what the agents report.
/// </summary>
public interface IMetricsSource
{
    Task<IReadOnlyList<JsonObject>> ListAsync(ResourceType type, string? ns, CancellationToken ct);

    Task<JsonObject?> GetAsync(ResourceType type, string? ns, string name, CancellationToken ct);
}
