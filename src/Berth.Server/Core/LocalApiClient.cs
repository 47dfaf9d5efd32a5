using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;

namespace Berth.Server.Core;

/// <summary>
/// The API for components inside the server process (controllers, scheduler, the embedded
/// agent of <c>berth up</c>): the same services the HTTP endpoints call, without HTTP or TLS.
/// Objects handed out are private copies.
/// </summary>
public sealed class LocalApiClient(ResourceService resources, DeletionService deletions, WatchService watches, SubresourceService subresources)
    : IApiClient
{
    public Task<JsonObject> GetAsync(ResourceType type, string? ns, string name, CancellationToken cancellationToken) =>
        resources.GetAsync(type, ns, name, cancellationToken);

    public Task<ObjectList> ListAsync(ResourceType type, string? ns, ListOptions options, CancellationToken cancellationToken) =>
        resources.ListAsync(type, ns, options, cancellationToken);

    public async IAsyncEnumerable<ApiWatchEvent> WatchAsync(ResourceType type, string? ns, ListOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = await watches.OpenAsync(type, ns, options, cancellationToken);
        await foreach (var item in stream.ReadAllAsync(cancellationToken))
        {
            if (item.Type == WatchItem.ErrorType)
            {
                throw ApiException.FromStatus(item.Object, (int)(Json.Long(item.Object, "code") ?? 500));
            }

            yield return new ApiWatchEvent(item.Type, item.Object) { Parsed = item.Parsed };
        }
    }

    public Task<JsonObject> CreateAsync(ResourceType type, string? ns, JsonObject obj, CancellationToken cancellationToken) =>
        resources.CreateAsync(type, ns, (JsonObject)obj.DeepClone(), dryRun: false, cancellationToken);

    public Task<JsonObject> UpdateAsync(ResourceType type, string? ns, JsonObject obj, string? subresource, CancellationToken cancellationToken)
    {
        var name = Json.String(obj, "metadata", "name") ?? throw ApiException.BadRequest("metadata.name is required for an update");
        return resources.UpdateAsync(type, ns, name, (JsonObject)obj.DeepClone(), subresource, dryRun: false, cancellationToken);
    }

    public Task<JsonObject> PatchAsync(ResourceType type, string? ns, string name, PatchType patchType, JsonNode patch, string? subresource,
        CancellationToken cancellationToken) =>
        subresource == "scale"
            ? subresources.PatchScaleAsync(type, ns, name, patchType, patch, dryRun: false, cancellationToken)
            : resources.PatchAsync(type, ns, name, patchType, patch, subresource, dryRun: false, cancellationToken);

    public async Task<JsonObject?> DeleteAsync(ResourceType type, string? ns, string name, DeleteOptions? options, CancellationToken cancellationToken)
    {
        var (obj, gone) = await deletions.DeleteAsync(type, ns, name, options ?? new DeleteOptions(), cancellationToken);
        return gone ? null : obj;
    }

    public Task<JsonObject> CreateSubresourceAsync(ResourceType type, string? ns, string name, string subresource, JsonObject body,
        CancellationToken cancellationToken) =>
        subresource switch
        {
            "binding" => subresources.BindAsync(type, ns!, name, body, cancellationToken),
            _ => throw ApiException.MethodNotAllowed($"POST {type.Plural}/{subresource} is not served in-process"),
        };
}
