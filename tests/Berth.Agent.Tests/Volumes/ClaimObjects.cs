using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Berth.Agent.Tests.Volumes;

/// <summary>Claims and volumes shaped as Berth's local provisioner writes them (JSON to tweak, then <see cref="Typed{T}"/>).</summary>
internal static class ClaimObjects
{
    public static JsonObject Claim(string name, string? volumeName = "pvc-1", string phase = "Bound", string uid = "uid-1") => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default", ["uid"] = uid },
        ["spec"] = volumeName is null ? new JsonObject() : new JsonObject { ["volumeName"] = volumeName },
        ["status"] = new JsonObject { ["phase"] = phase },
    };

    public static JsonObject LocalVolume(string path, string node = "node-a", string claim = "data", string uid = "uid-1", bool provisioned = true) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["name"] = "pvc-1",
            ["annotations"] = provisioned ? new JsonObject { ["pv.kubernetes.io/provisioned-by"] = "berth.dev/local" } : new JsonObject(),
        },
        ["spec"] = new JsonObject
        {
            ["claimRef"] = new JsonObject { ["namespace"] = "default", ["name"] = claim, ["uid"] = uid },
            ["local"] = new JsonObject { ["path"] = path },
            ["nodeAffinity"] = Affinity("""{"matchExpressions":[{"key":"kubernetes.io/hostname","operator":"In","values":["NODE"]}]}""".Replace("NODE", node, StringComparison.Ordinal)),
        },
        ["status"] = new JsonObject { ["phase"] = "Bound" },
    };

    public static JsonObject Affinity(params string[] terms) => new()
    {
        ["required"] = new JsonObject { ["nodeSelectorTerms"] = new JsonArray(terms.Select(t => (JsonNode)JsonNode.Parse(t)!).ToArray()) },
    };

    public static T Typed<T>(JsonObject o) => KubernetesJson.Deserialize<T>(o.ToJsonString());

    public static V1PersistentVolumeClaim TypedClaim(JsonObject o) => Typed<V1PersistentVolumeClaim>(o);

    public static V1PersistentVolume TypedVolume(JsonObject o) => Typed<V1PersistentVolume>(o);
}
