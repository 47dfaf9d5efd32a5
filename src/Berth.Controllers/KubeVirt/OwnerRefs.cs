using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.KubeVirt;

/// <summary>Controller owner references (<c>metadata.ownerReferences[]</c> with <c>controller: true</c>).</summary>
public static class OwnerRefs
{
    /// <summary>The reference of the object's controller, or null.</summary>
    public static JsonObject? Controller(JsonObject obj) =>
        Json.Array(obj, "metadata", "ownerReferences")?.OfType<JsonObject>().FirstOrDefault(r => Json.Bool(r, "controller") == true);

    /// <summary>The uid of the object's controller when it is of <paramref name="kind"/>.</summary>
    public static string? ControllerUid(JsonObject obj, string kind) =>
        Controller(obj) is { } r && Json.String(r, "kind") == kind ? Json.String(r, "uid") : null;

    /// <summary>A controller reference to <paramref name="owner"/> (blocking the owner's foreground deletion, as controllers make them).</summary>
    public static JsonObject For(JsonObject owner, string apiVersion, string kind) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = Json.String(owner, "metadata", "name"),
        ["uid"] = Json.String(owner, "metadata", "uid"),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };
}
