using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.GarbageCollection;

namespace Berth.Controllers.Common;

/// <summary>Reads and builds the <c>metadata</c> pieces controllers use (names, labels, owner references).</summary>
public static class Meta
{
    public static string Name(JsonObject obj) => Json.String(obj, "metadata", "name") ?? "";

    public static string? Namespace(JsonObject obj) => Json.String(obj, "metadata", "namespace");

    public static string Uid(JsonObject obj) => Json.String(obj, "metadata", "uid") ?? "";

    public static long Generation(JsonObject obj) => Json.Long(obj, "metadata", "generation") ?? 0;

    public static string Key(JsonObject obj) => Runtime.Informer<JsonObject>.KeyOf(obj);

    public static bool IsDeleting(JsonObject obj) => Json.String(obj, "metadata", "deletionTimestamp") is not null;

    public static DateTimeOffset Created(JsonObject obj) =>
        Timestamps.Parse(Json.String(obj, "metadata", "creationTimestamp")) ?? DateTimeOffset.MinValue;

    public static string? Label(JsonObject obj, string key) => Json.String(obj, "metadata", "labels", key);

    public static string? Annotation(JsonObject obj, string key) => Json.String(obj, "metadata", "annotations", key);

    public static JsonObject Labels(JsonObject obj) => Json.Object(obj, "metadata", "labels") ?? [];

    /// <summary>The integer value of an annotation, or null when missing or not a number.</summary>
    public static long? LongAnnotation(JsonObject obj, string key) =>
        long.TryParse(Annotation(obj, key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>Sets an annotation on a (private) object; returns whether it changed.</summary>
    public static bool SetAnnotation(JsonObject obj, string key, string value)
    {
        var annotations = Json.EnsureObject(Json.EnsureObject(obj, "metadata"), "annotations");
        if (Json.String(annotations, key) == value)
        {
            return false;
        }

        annotations[key] = value;
        return true;
    }

    /// <summary>The owner reference with <c>controller: true</c>, if any.</summary>
    public static OwnerRef? ControllerOf(JsonObject obj)
    {
        foreach (var o in Json.Array(obj, "metadata", "ownerReferences")?.OfType<JsonObject>() ?? [])
        {
            if (Json.Bool(o, "controller") == true)
            {
                return new OwnerRef(Json.String(o, "apiVersion") ?? "", Json.String(o, "kind") ?? "", Json.String(o, "name") ?? "",
                    Json.String(o, "uid") ?? "", true, Json.Bool(o, "blockOwnerDeletion") == true);
            }
        }

        return null;
    }

    /// <summary>The uid of the controlling owner, or null.</summary>
    public static string? ControllerUid(JsonObject obj) => ControllerOf(obj)?.Uid;

    /// <summary>A controller owner reference to <paramref name="owner"/> (with blockOwnerDeletion, as kube's controllers set it).</summary>
    public static JsonObject ControllerRef(JsonObject owner, ResourceType ownerType) => new()
    {
        ["apiVersion"] = ownerType.ApiVersion,
        ["kind"] = ownerType.Kind,
        ["name"] = Name(owner),
        ["uid"] = Uid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    /// <summary>A deep copy of a cached object that may be changed and written back.</summary>
    public static JsonObject Copy(JsonObject obj) => (JsonObject)obj.DeepClone();
}
