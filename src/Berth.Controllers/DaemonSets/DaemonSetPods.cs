using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.DaemonSets;

/// <summary>
/// DaemonSet pods (pkg/controller/daemon/util): the template plus the tolerations every daemon pod gets
/// (<c>AddOrUpdateDaemonPodTolerations</c>), pinned to one node by replacing the required node affinity with
/// <c>matchFields metadata.name In [NODE]</c> (<c>ReplaceDaemonSetPodNodeNameNodeAffinity</c>), so the default
/// scheduler binds it there; and whether a node should run one (<c>NodeShouldRunDaemonPod</c>).
/// </summary>
public static class DaemonSetPods
{
    public const string TemplateGenerationLabel = "pod-template-generation";

    private static readonly (string Key, string Effect)[] DefaultTolerations =
    [
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ];

    /// <summary>The template with the daemon tolerations (and network-unavailable for host-network pods).</summary>
    public static JsonObject WithDaemonTolerations(JsonObject? template)
    {
        var t = (JsonObject?)template?.DeepClone() ?? [];
        var spec = Json.EnsureObject(t, "spec");
        var tolerations = spec["tolerations"] as JsonArray ?? [];
        spec["tolerations"] = tolerations;
        var wanted = DefaultTolerations.ToList();
        if (Json.Bool(spec, "hostNetwork") == true)
        {
            wanted.Add(("node.kubernetes.io/network-unavailable", "NoSchedule"));
        }

        foreach (var (key, effect) in wanted)
        {
            var existing = tolerations.OfType<JsonObject>().FirstOrDefault(x => Json.String(x, "key") == key && Json.String(x, "effect") == effect);
            if (existing is not null)
            {
                tolerations.Remove(existing);
            }

            tolerations.Add(new JsonObject { ["key"] = key, ["operator"] = "Exists", ["effect"] = effect });
        }

        return t;
    }

    public static JsonObject NewPod(JsonObject ds, Berth.Api.Resources.ResourceType dsType, JsonObject? template, string node, string hash)
    {
        var pod = PodTemplates.NewPod(WithDaemonTolerations(template), ds, dsType, Meta.Name(ds) + "-");
        PodTemplates.SetLabel(pod, ControllerHistory.HashLabel, hash);
        PodTemplates.SetLabel(pod, TemplateGenerationLabel, Meta.Generation(ds).ToString(CultureInfo.InvariantCulture));
        var spec = Json.EnsureObject(pod, "spec");
        var affinity = Json.EnsureObject(spec, "affinity");
        var nodeAffinity = Json.EnsureObject(affinity, "nodeAffinity");
        nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject
        {
            ["nodeSelectorTerms"] = new JsonArray(new JsonObject
            {
                ["matchFields"] = new JsonArray(new JsonObject { ["key"] = "metadata.name", ["operator"] = "In", ["values"] = new JsonArray(node) }),
            }),
        };
        return pod;
    }

    /// <summary><c>GetTargetNodeName</c>: the node a daemon pod is on, or pinned to while pending.</summary>
    public static string? TargetNode(JsonObject pod)
    {
        if (PodState.NodeName(pod) is { Length: > 0 } n)
        {
            return n;
        }

        var terms = Json.Array(pod, "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms");
        foreach (var term in terms?.OfType<JsonObject>() ?? [])
        {
            foreach (var f in Json.Array(term, "matchFields")?.OfType<JsonObject>() ?? [])
            {
                if (Json.String(f, "key") == "metadata.name" && Json.String(f, "operator") == "In" && Json.Array(f, "values") is [JsonValue v])
                {
                    return v.ToString();
                }
            }
        }

        return null;
    }

    /// <summary>
    /// <c>NodeShouldRunDaemonPod</c>: should a daemon pod be created there, and may an existing one keep running
    /// (a NoSchedule taint stops new pods; only an untolerated NoExecute taint removes running ones).
    /// </summary>
    public static (bool ShouldRun, bool ShouldContinueRunning) ShouldRun(JsonObject? template, JsonObject node)
    {
        var spec = Json.Object(WithDaemonTolerations(template), "spec");
        if (Json.String(spec, "nodeName") is { Length: > 0 } pinned && pinned != Meta.Name(node))
        {
            return (false, false);
        }

        if (!NodeMatching.MatchesNodeAffinity(spec, node))
        {
            return (false, false);
        }

        var tolerations = NodeMatching.Tolerations(spec);
        if (NodeMatching.UntoleratedTaint(node, tolerations, t => Json.String(t, "effect") is "NoSchedule" or "NoExecute") is null)
        {
            return (true, true);
        }

        var noExecute = NodeMatching.UntoleratedTaint(node, tolerations, t => Json.String(t, "effect") == "NoExecute");
        return (false, noExecute is null);
    }
}
