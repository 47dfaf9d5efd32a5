using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;

namespace Berth.Server.Core;

/// <summary>
/// Objects every cluster has: the namespaces <c>default</c>, <c>kube-system</c>, <c>kube-public</c>,
/// <c>kube-node-lease</c>, and the RuntimeClass <c>vm</c> whose pods run as QEMU virtual machines.
/// Created at start when missing; never overwritten.
/// </summary>
public sealed class BuiltInObjects(ResourceService resources)
{
    public static readonly IReadOnlyList<string> Namespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public async Task EnsureAsync(CancellationToken ct)
    {
        var nsType = resources.Registry.Find("", "v1", "namespaces")!;
        foreach (var ns in Namespaces)
        {
            await EnsureAsync(nsType, null, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = ns },
            }, ct);
        }

        var rc = resources.Registry.Find("node.k8s.io", "v1", "runtimeclasses")!;
        await EnsureAsync(rc, null, new JsonObject
        {
            ["apiVersion"] = "node.k8s.io/v1",
            ["kind"] = "RuntimeClass",
            ["metadata"] = new JsonObject { ["name"] = "vm" },
            ["handler"] = "vm",
        }, ct);
    }

    private async Task EnsureAsync(ResourceType type, string? ns, JsonObject obj, CancellationToken ct)
    {
        try
        {
            await resources.CreateAsync(type, ns, obj, dryRun: false, ct);
        }
        catch (ApiException e) when (e.Code == 409)
        {
        }
    }
}
