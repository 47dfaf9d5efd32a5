using Microsoft.AspNetCore.Http;

namespace Berth.Server.Http;

/// <summary>
/// An API group served by code of its own rather than from the <c>ResourceRegistry</c>, as Kubernetes aggregates
/// extension API servers: every request under <c>/apis/{Group}</c> goes to <see cref="HandleAsync"/>. Failures thrown as
/// <c>ApiException</c> become Status replies like any other. Example: KubeVirt's <c>subresources.kubevirt.io</c>.
/// </summary>
public interface IApiGroupHandler
{
    /// <summary>The group name, the URL segment after <c>/apis/</c>.</summary>
    string Group { get; }

    /// <summary>Serves one request; <paramref name="segments"/> are the path segments after <c>/apis</c> (the first is the group).</summary>
    Task HandleAsync(HttpContext ctx, string[] segments);
}
