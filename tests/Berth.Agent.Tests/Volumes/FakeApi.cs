using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;

namespace Berth.Agent.Tests.Volumes;

/// <summary>An API holding objects in memory for get and list; every other verb is not expected and throws.</summary>
internal sealed class FakeApi : IApiClient
{
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);

    public void Put(string plural, string? ns, JsonObject obj) => _objects[$"{plural}/{ns}/{obj["metadata"]!["name"]!.GetValue<string>()}"] = obj;

    public void Remove(string plural, string? ns, string name) => _objects.Remove($"{plural}/{ns}/{name}");

    public Task<JsonObject> GetAsync(ResourceType type, string? ns, string name, CancellationToken cancellationToken) =>
        _objects.TryGetValue($"{type.Plural}/{ns}/{name}", out var o) ? Task.FromResult(o) : throw ApiException.NotFound(type, name);

    public Task<ObjectList> ListAsync(ResourceType type, string? ns, ListOptions options, CancellationToken cancellationToken) =>
        Task.FromResult(new ObjectList(_objects.Where(p => p.Key.StartsWith(type.Plural + "/", StringComparison.Ordinal)).Select(p => p.Value).ToList(), "1"));

    public IAsyncEnumerable<ApiWatchEvent> WatchAsync(ResourceType type, string? ns, ListOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<JsonObject> CreateAsync(ResourceType type, string? ns, JsonObject obj, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<JsonObject> UpdateAsync(ResourceType type, string? ns, JsonObject obj, string? subresource, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<JsonObject> PatchAsync(ResourceType type, string? ns, string name, PatchType patchType, JsonNode patch, string? subresource, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<JsonObject?> DeleteAsync(ResourceType type, string? ns, string name, DeleteOptions? options, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<JsonObject> CreateSubresourceAsync(ResourceType type, string? ns, string name, string subresource, JsonObject body, CancellationToken cancellationToken) =>
        throw new NotSupportedException();
}
