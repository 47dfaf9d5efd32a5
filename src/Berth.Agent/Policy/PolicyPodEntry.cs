using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Network.Policy;

namespace Berth.Agent.Policy;

/// <summary>
/// What the node-wide pod cache keeps of one pod for NetworkPolicy: its identity, node and phase, and the
/// <see cref="PolicyPod"/> it maps to (or why it cannot be mapped). Mapped once, when the pod's event arrives, and
/// small: the cache holds one for every pod of the cluster, and each new one outlives a few garbage collections.
/// </summary>
/// <param name="Namespace">metadata.namespace.</param>
/// <param name="Name">metadata.name.</param>
/// <param name="Uid">metadata.uid.</param>
/// <param name="NodeName">spec.nodeName; null while unscheduled.</param>
/// <param name="Phase">status.phase.</param>
/// <param name="Pod">The mapped pod; null for hostNetwork pods (policies do not apply to them) and unreadable ones.</param>
/// <param name="Invalid">Why the pod could not be mapped, when it could not.</param>
internal sealed record PolicyPodEntry(string? Namespace, string? Name, string? Uid, string? NodeName, string? Phase, PolicyPod? Pod, FormatException? Invalid)
{
    /// <summary>The entry of a parsed pod: reads only the fields policy needs (<see cref="PolicyView"/>).</summary>
    public static PolicyPodEntry From(JsonElement pod)
    {
        var view = PolicyView(pod);
        PolicyPod? mapped = null;
        FormatException? invalid = null;
        try
        {
            mapped = NetworkPolicyMapper.PodFromJson(view);
        }
        catch (FormatException e)
        {
            invalid = e;
        }

        return new PolicyPodEntry(Json.String(pod, "metadata", "namespace"), Json.String(pod, "metadata", "name"), Json.String(pod, "metadata", "uid"),
            Json.String(pod, "spec", "nodeName"), Json.String(pod, "status", "phase"), mapped, invalid);
    }

    /// <summary>The entry of a pod as a tree (a listed pod): the same mapping over its text.</summary>
    public static PolicyPodEntry From(JsonObject pod) => From(JsonElement.Parse(pod.ToJsonString()));

    /// <summary>
    /// What <see cref="NetworkPolicyMapper.PodFromJson"/> reads of a pod (identity, labels, node, phase, address, named
    /// ports), copied out of the parsed pod without building a tree of the rest.
    /// </summary>
    internal static JsonObject PolicyView(JsonElement pod)
    {
        var meta = Json.Walk(pod, "metadata");
        var spec = Json.Walk(pod, "spec");
        var status = Json.Walk(pod, "status");
        var view = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = Json.Detach(Json.Walk(meta, "name")),
                ["namespace"] = Json.Detach(Json.Walk(meta, "namespace")),
                ["uid"] = Json.Detach(Json.Walk(meta, "uid")),
                ["labels"] = Json.Detach(Json.Walk(meta, "labels")),
            },
            ["spec"] = new JsonObject { ["nodeName"] = Json.Detach(Json.Walk(spec, "nodeName")), ["hostNetwork"] = Json.Detach(Json.Walk(spec, "hostNetwork")) },
            ["status"] = new JsonObject { ["phase"] = Json.Detach(Json.Walk(status, "phase")), ["podIP"] = Json.Detach(Json.Walk(status, "podIP")) },
        };
        foreach (var list in (string[])["containers", "initContainers"])
        {
            if (Json.Walk(spec, list) is { ValueKind: JsonValueKind.Array } containers)
            {
                view["spec"]![list] = new JsonArray([.. containers.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object)
                    .Select(c => (JsonNode)new JsonObject { ["name"] = Json.Detach(Json.Walk(c, "name")), ["ports"] = Json.Detach(Json.Walk(c, "ports")) })]);
            }
        }

        return view;
    }
}
