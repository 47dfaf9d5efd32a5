using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Http;

/// <summary>
/// Serves the streaming pod subresources (<c>log</c>, <c>exec</c>, <c>attach</c>, <c>portforward</c>)
/// by proxying them to the agent that runs the pod, as kube-apiserver proxies to the kubelet.
/// </summary>
public interface IPodStreamProxy
{
    Task HandleAsync(HttpContext ctx, JsonObject pod, string subresource);
}
