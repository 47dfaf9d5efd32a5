using Berth.Api.Resources;

namespace Berth.Server.Core;

/// <summary>
/// Where objects live in the store, as the Kubernetes API server lays out etcd:
/// <c>/registry/{group|core}/{plural}/{namespace}/{name}</c>, or without the namespace for
/// cluster-scoped kinds. A list of one namespace is the prefix ending in <c>{namespace}/</c>.
/// </summary>
public static class StoreKeys
{
    public const string Root = "/registry/";

    public static string Key(ResourceType type, string? ns, string name) =>
        type.Namespaced ? $"{TypePrefix(type)}{ns}/{name}" : $"{TypePrefix(type)}{name}";

    /// <summary>The prefix of every object of <paramref name="type"/> in <paramref name="ns"/> (or everywhere when null).</summary>
    public static string Prefix(ResourceType type, string? ns) =>
        type.Namespaced && ns is not null ? $"{TypePrefix(type)}{ns}/" : TypePrefix(type);

    public static string TypePrefix(ResourceType type) =>
        $"{Root}{(type.Group.Length == 0 ? "core" : type.Group)}/{type.Plural}/";
}
