using System.Globalization;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// The downward API: <c>fieldRef</c> paths and <c>resourceFieldRef</c> resources of a pod, as the kubelet resolves them
/// (pkg/api/v1/resource <c>ExtractResourceValueByContainerName</c>, pkg/fieldpath <c>ExtractFieldPathAsString</c>).
/// </summary>
internal static class PodFields
{
    /// <summary>The value of a fieldRef; throws <see cref="ContainerConfigException"/> for an unsupported path.</summary>
    public static string FieldValue(V1Pod pod, string fieldPath, string? podIp, string? hostIp)
    {
        var meta = pod.Metadata;
        switch (fieldPath)
        {
            case "metadata.name": return meta.Name ?? "";
            case "metadata.namespace": return meta.NamespaceProperty ?? "default";
            case "metadata.uid": return meta.Uid ?? "";
            case "metadata.labels": return FormatMap(meta.Labels);
            case "metadata.annotations": return FormatMap(meta.Annotations);
            case "spec.nodeName": return pod.Spec.NodeName ?? "";
            case "spec.serviceAccountName": return pod.Spec.ServiceAccountName ?? "";
            case "status.podIP": return podIp ?? "";
            case "status.podIPs": return podIp ?? "";
            case "status.hostIP": return hostIp ?? "";
            case "status.hostIPs": return hostIp ?? "";
        }

        if (TrySubscript(fieldPath, "metadata.labels", out var label))
        {
            return meta.Labels?.TryGetValue(label, out var v) == true ? v : "";
        }

        if (TrySubscript(fieldPath, "metadata.annotations", out var annotation))
        {
            return meta.Annotations?.TryGetValue(annotation, out var v) == true ? v : "";
        }

        throw new ContainerConfigException($"unsupported fieldPath: {fieldPath}");
    }

    /// <summary>
    /// A resourceFieldRef's value: the container's limit (or, without one, the node's allocatable) or request,
    /// divided by the divisor and rounded up, as <c>ExtractContainerResourceValue</c> does.
    /// </summary>
    public static string ResourceValue(V1Pod pod, string containerName, string resource, ResourceQuantity? divisor, NodeAllocatable node)
    {
        var container = (pod.Spec.Containers ?? []).Concat(pod.Spec.InitContainers ?? []).FirstOrDefault(c => c.Name == containerName)
            ?? throw new ContainerConfigException($"container {containerName} not found");
        var limits = container.Resources?.Limits;
        var requests = container.Resources?.Requests;
        decimal? Of(IDictionary<string, ResourceQuantity>? map, string name) =>
            map is not null && map.TryGetValue(name, out var q) ? q.ToDecimal() : null;

        decimal value = resource switch
        {
            "limits.cpu" => Of(limits, "cpu") ?? node.Cpu,
            "limits.memory" => Of(limits, "memory") ?? node.Memory,
            "limits.ephemeral-storage" => Of(limits, "ephemeral-storage") ?? node.EphemeralStorage,
            "requests.cpu" => Of(requests, "cpu") ?? Of(limits, "cpu") ?? 0,
            "requests.memory" => Of(requests, "memory") ?? Of(limits, "memory") ?? 0,
            "requests.ephemeral-storage" => Of(requests, "ephemeral-storage") ?? Of(limits, "ephemeral-storage") ?? 0,
            _ => throw new ContainerConfigException($"unsupported container resource: {resource}"),
        };
        var d = divisor?.ToDecimal() ?? 1m;
        if (d <= 0)
        {
            d = 1m;
        }

        var result = Math.Ceiling(value / d);
        if (resource.EndsWith(".cpu", StringComparison.Ordinal) && result < 1 && value > 0)
        {
            result = 1;
        }

        return result.ToString("0", CultureInfo.InvariantCulture);
    }

    /// <summary><c>key="value"</c> lines sorted by key, as the downward API renders labels and annotations.</summary>
    public static string FormatMap(IDictionary<string, string>? map) =>
        map is null
            ? ""
            : string.Join("\n", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}=\"{Escape(p.Value)}\""));

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static bool TrySubscript(string path, string prefix, out string key)
    {
        key = "";
        if (!path.StartsWith(prefix + "['", StringComparison.Ordinal) || !path.EndsWith("']", StringComparison.Ordinal))
        {
            return false;
        }

        key = path[(prefix.Length + 2)..^2];
        return true;
    }
}

/// <summary>The node's allocatable resources, the default of a resourceFieldRef to a limit that is not set.</summary>
internal sealed record NodeAllocatable(decimal Cpu, decimal Memory, decimal EphemeralStorage);
