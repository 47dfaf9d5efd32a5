using Berth.Api.Resources;

namespace Berth.Server.Http;

/// <summary>
/// A resource request decoded from its URL, as k8s.io/apiserver's RequestInfoFactory does:
/// <c>/api/v1/namespaces/{ns}/{plural}/{name}/{subresource}</c> or <c>/apis/{group}/{version}/...</c>.
/// </summary>
public sealed record ApiRequest(ResourceType Type, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>True when the URL names a collection (no object name).</summary>
    public bool IsCollection => Name is null;

    /// <summary>
    /// Decodes the part of the path after the group-version (<paramref name="segments"/>), or
    /// returns null when it names nothing served (404).
    /// </summary>
    public static ApiRequest? Parse(ResourceRegistry registry, string group, string version, IReadOnlyList<string> segments)
    {
        if (segments.Count == 0)
        {
            return null;
        }

        string? ns = null;
        var rest = segments;
        if (segments[0] == "namespaces" && segments.Count >= 3 && segments[2] is not ("status" or "finalize"))
        {
            ns = segments[1];
            rest = segments.Skip(2).ToList();
        }

        var type = registry.Find(group, version, rest[0]);
        if (type is null || rest.Count > 3)
        {
            return null;
        }

        if (ns is not null && !type.Namespaced)
        {
            return null;
        }

        var name = rest.Count > 1 ? rest[1] : null;
        var sub = rest.Count > 2 ? rest[2] : null;
        if (sub is not null && !type.HasSubresource(sub))
        {
            return null;
        }

        return new ApiRequest(type, ns, name, sub);
    }
}
