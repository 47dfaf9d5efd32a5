using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Controllers.GarbageCollection;

/// <summary>The part of an object the garbage collector needs: identity, owners, finalizers, whether it is being deleted.</summary>
public sealed record ObjectMeta(ResourceType Type, string Uid, string Name, string? Namespace, IReadOnlyList<OwnerRef> Owners,
    IReadOnlyList<string> Finalizers, bool Deleting)
{
    /// <summary>The queue reference of this object: <c>TYPE|namespace/name</c>.</summary>
    public string Ref => $"{Type}|{(Namespace is null ? Name : $"{Namespace}/{Name}")}";

    public static ObjectMeta From(ResourceType type, JsonObject obj)
    {
        var meta = Json.Object(obj, "metadata");
        var owners = Json.Array(meta, "ownerReferences")?.OfType<JsonObject>().Select(o => new OwnerRef(
            Json.String(o, "apiVersion") ?? "", Json.String(o, "kind") ?? "", Json.String(o, "name") ?? "", Json.String(o, "uid") ?? "",
            Json.Bool(o, "controller") == true, Json.Bool(o, "blockOwnerDeletion") == true)).ToList() ?? [];
        var finalizers = Json.Array(meta, "finalizers")?.Select(f => f?.GetValue<string>() ?? "").ToList() ?? [];
        return new ObjectMeta(type, Json.String(meta, "uid") ?? "", Json.String(meta, "name") ?? "",
            type.Namespaced ? Json.String(meta, "namespace") : null, owners, finalizers, Json.String(meta, "deletionTimestamp") is not null);
    }
}
