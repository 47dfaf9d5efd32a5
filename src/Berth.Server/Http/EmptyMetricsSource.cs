using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Server.Http;

/// <summary>The metrics source of a server whose agents report no usage yet: lists are empty, gets are 404.</summary>
public sealed class EmptyMetricsSource : IMetricsSource
{
    public Task<IReadOnlyList<JsonObject>> ListAsync(ResourceType type, string? ns, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<JsonObject>>([]);

    public Task<JsonObject?> GetAsync(ResourceType type, string? ns, string name, CancellationToken ct) => Task.FromResult<JsonObject?>(null);
}
