using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.Common;

/// <summary>Pods made from a controller's <c>spec.template</c>, as kube's <c>controller.GetPodFromTemplate</c>.</summary>
public static class PodTemplates
{
    /// <summary>
    /// A pod with the template's labels, annotations, finalizers and spec, controlled by <paramref name="owner"/>,
    /// named by <paramref name="generateName"/> (the server appends five random characters) unless
    /// <paramref name="name"/> is given.
    /// </summary>
    public static JsonObject NewPod(JsonObject? template, JsonObject owner, ResourceType ownerType, string? generateName, string? name = null)
    {
        var meta = new JsonObject();
        if (name is not null)
        {
            meta["name"] = name;
        }
        else
        {
            meta["generateName"] = generateName;
        }

        meta["namespace"] = Meta.Namespace(owner);
        var templateMeta = Json.Object(template, "metadata");
        meta["labels"] = Json.Object(templateMeta, "labels")?.DeepClone() ?? new JsonObject();
        if (Json.Object(templateMeta, "annotations") is { Count: > 0 } annotations)
        {
            meta["annotations"] = annotations.DeepClone();
        }

        if (Json.Array(templateMeta, "finalizers") is { Count: > 0 } finalizers)
        {
            meta["finalizers"] = finalizers.DeepClone();
        }

        meta["ownerReferences"] = new JsonArray(Meta.ControllerRef(owner, ownerType));
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = meta,
            ["spec"] = Json.Object(template, "spec")?.DeepClone() ?? new JsonObject(),
        };
    }

    /// <summary>Sets a label on a (private) object.</summary>
    public static void SetLabel(JsonObject obj, string key, string value) =>
        Json.EnsureObject(Json.EnsureObject(obj, "metadata"), "labels")[key] = value;
}
