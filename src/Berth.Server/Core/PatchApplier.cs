using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;

namespace Berth.Server.Core;

/// <summary>Applies a client's patch to the current object, by patch type (filled in when Berth.Api.Patch lands).</summary>
public sealed class PatchApplier
{
    public JsonObject Apply(ResourceType type, JsonObject current, PatchType patchType, JsonNode patch)
    {
        _ = current;
        _ = patch;
        throw ApiException.UnsupportedMediaType($"{patchType} patches of {type.QualifiedResource} are not implemented yet");
    }
}
