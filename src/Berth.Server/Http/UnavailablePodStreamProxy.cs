using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Http;

/// <summary>
/// The stream proxy of a server with no agent connection: log and exec answer 503 with a message
/// naming the pod's node, instead of hanging.
/// </summary>
public sealed class UnavailablePodStreamProxy : IPodStreamProxy
{
    public Task HandleAsync(HttpContext ctx, JsonObject pod, string subresource)
    {
        var node = Json.String(pod, "spec", "nodeName");
        throw ApiException.ServiceUnavailable(string.IsNullOrEmpty(node)
            ? $"pod {Json.String(pod, "metadata", "name")} is not scheduled to a node yet, so it has no {subresource}"
            : $"no agent serves node {node}: cannot {subresource} pod {Json.String(pod, "metadata", "name")}");
    }
}
