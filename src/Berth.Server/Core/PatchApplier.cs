using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Patch;
using Berth.Api.Resources;

namespace Berth.Server.Core;

/// <summary>
/// Applies a client's patch to the current object by patch type, with the kind's strategic-merge
/// schema (kinds without one, such as kubevirt.io, answer 415 to strategic patches, as custom
/// resources do in Kubernetes). Server-side apply is not implemented and answers 415.
/// </summary>
public sealed class PatchApplier
{
    public JsonObject Apply(ResourceType type, JsonObject current, PatchType patchType, JsonNode patch)
    {
        if (patchType == PatchType.Apply)
        {
            throw ApiException.UnsupportedMediaType("application/apply-patch+yaml (server-side apply is not supported by Berth yet; use kubectl apply without --server-side)");
        }

        try
        {
            return ObjectPatcher.Apply(current, patchType, patch, PatchSchema.For(type.Group, type.Kind));
        }
        catch (PatchException e)
        {
            throw e.ToApiException();
        }
    }
}
