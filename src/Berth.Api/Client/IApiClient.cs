using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Api.Client;

/// <summary>
/// The Kubernetes API as controllers and the agent use it: untyped objects (the JSON as stored,
/// unknown fields kept) addressed by <see cref="ResourceType"/>, namespace and name. Two
/// implementations behave identically: <c>HttpApiClient</c> (HTTPS to a server) and the server's
/// in-process client (no HTTP, same validation and admission). Failures are <see cref="ApiException"/>s
/// carrying the Kubernetes reason and code. <paramref name="ns"/> is null for cluster-scoped types
/// and for lists across all namespaces.
/// </summary>
public interface IApiClient
{
    Task<JsonObject> GetAsync(ResourceType type, string? ns, string name, CancellationToken cancellationToken);

    Task<ObjectList> ListAsync(ResourceType type, string? ns, ListOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Watches changes after <see cref="ListOptions.ResourceVersion"/> (or, without one, the current state
    /// as ADDED events first). Ends when cancelled or the server ends the stream; throws
    /// <see cref="ApiException"/> with code 410 when the version is too old (re-list and watch again).
    /// </summary>
    IAsyncEnumerable<ApiWatchEvent> WatchAsync(ResourceType type, string? ns, ListOptions options, CancellationToken cancellationToken);

    Task<JsonObject> CreateAsync(ResourceType type, string? ns, JsonObject obj, CancellationToken cancellationToken);

    /// <summary>PUT of the whole object (compare-and-swap on <c>metadata.resourceVersion</c> when set); <paramref name="subresource"/> is e.g. "status".</summary>
    Task<JsonObject> UpdateAsync(ResourceType type, string? ns, JsonObject obj, string? subresource, CancellationToken cancellationToken);

    Task<JsonObject> PatchAsync(ResourceType type, string? ns, string name, PatchType patchType, JsonNode patch, string? subresource, CancellationToken cancellationToken);

    /// <summary>Deletes; returns the object as it is after the call (with deletionTimestamp when finalizers hold it), or null when gone.</summary>
    Task<JsonObject?> DeleteAsync(ResourceType type, string? ns, string name, DeleteOptions? options, CancellationToken cancellationToken);

    /// <summary>POST to a subresource that creates something: <c>pods/NAME/binding</c>, <c>pods/NAME/eviction</c>.</summary>
    Task<JsonObject> CreateSubresourceAsync(ResourceType type, string? ns, string name, string subresource, JsonObject body, CancellationToken cancellationToken);
}
