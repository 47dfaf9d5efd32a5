using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.StatefulSets;

/// <summary>
/// The stable identity of StatefulSet pods (pkg/controller/statefulset/stateful_set_utils.go): pod
/// <c>SET-ORDINAL</c> with hostname = its name and subdomain = <c>spec.serviceName</c>, labels
/// <c>statefulset.kubernetes.io/pod-name</c>, <c>apps.kubernetes.io/pod-index</c> and
/// <c>controller-revision-hash</c>, and one PersistentVolumeClaim <c>TEMPLATE-SET-ORDINAL</c> per
/// <c>volumeClaimTemplates</c> entry, mounted as the volume named like the template.
/// </summary>
public static partial class StatefulSetPods
{
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";
    public const string RevisionLabel = "controller-revision-hash";

    [GeneratedRegex("^(.*)-([0-9]+)$")]
    private static partial Regex OrdinalName();

    public static string PodName(string set, int ordinal) => $"{set}-{ordinal.ToString(CultureInfo.InvariantCulture)}";

    public static string ClaimName(string template, string set, int ordinal) => $"{template}-{PodName(set, ordinal)}";

    /// <summary>The parent name and ordinal parsed from a pod name, or (null, -1).</summary>
    public static (string? Parent, int Ordinal) Parse(string podName)
    {
        var m = OrdinalName().Match(podName);
        return m.Success && int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? (m.Groups[1].Value, o) : (null, -1);
    }

    public static int Ordinal(JsonObject pod) => Parse(Meta.Name(pod)).Ordinal;

    /// <summary><c>isMemberOf</c>: the pod's name is SET-ORDINAL.</summary>
    public static bool IsMemberOf(JsonObject set, JsonObject pod) => Parse(Meta.Name(pod)).Parent == Meta.Name(set);

    public static string Revision(JsonObject pod) => Meta.Label(pod, RevisionLabel) ?? "";

    /// <summary><c>isRunningAndReady</c>.</summary>
    public static bool IsRunningAndReady(JsonObject pod) => PodState.Phase(pod) == "Running" && PodState.IsReady(pod);

    /// <summary><c>isHealthy</c>: running, ready and not being deleted.</summary>
    public static bool IsHealthy(JsonObject pod) => IsRunningAndReady(pod) && !Meta.IsDeleting(pod);

    /// <summary>The volumeClaimTemplates of a set.</summary>
    public static IEnumerable<JsonObject> ClaimTemplates(JsonObject set) =>
        Json.Array(set, "spec", "volumeClaimTemplates")?.OfType<JsonObject>() ?? [];

    /// <summary><c>newVersionedStatefulSetPod</c> from a template: identity, storage and the revision label.</summary>
    public static JsonObject NewPod(JsonObject set, Berth.Api.Resources.ResourceType setType, JsonObject? template, string revision, int ordinal)
    {
        var name = PodName(Meta.Name(set), ordinal);
        var pod = PodTemplates.NewPod(template, set, setType, null, name);
        PodTemplates.SetLabel(pod, PodNameLabel, name);
        PodTemplates.SetLabel(pod, PodIndexLabel, ordinal.ToString(CultureInfo.InvariantCulture));
        PodTemplates.SetLabel(pod, RevisionLabel, revision);
        var spec = Json.EnsureObject(pod, "spec");
        spec["hostname"] = name;
        if (Json.String(set, "spec", "serviceName") is { Length: > 0 } service)
        {
            spec["subdomain"] = service;
        }

        var volumes = spec["volumes"] as JsonArray ?? [];
        spec["volumes"] = volumes;
        foreach (var claim in ClaimTemplates(set))
        {
            var volumeName = Meta.Name(claim);
            for (var i = volumes.Count - 1; i >= 0; i--)
            {
                if (Json.String(volumes[i], "name") == volumeName)
                {
                    volumes.RemoveAt(i);
                }
            }

            volumes.Add(new JsonObject
            {
                ["name"] = volumeName,
                ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = ClaimName(volumeName, Meta.Name(set), ordinal) },
            });
        }

        if (volumes.Count == 0)
        {
            spec.Remove("volumes");
        }

        return pod;
    }

    /// <summary>The claim for <paramref name="template"/> of pod <paramref name="ordinal"/> (<c>getPersistentVolumeClaims</c>).</summary>
    public static JsonObject NewClaim(JsonObject set, JsonObject template, int ordinal)
    {
        var name = ClaimName(Meta.Name(template), Meta.Name(set), ordinal);
        var labels = (JsonObject?)Json.Object(template, "metadata", "labels")?.DeepClone() ?? [];
        foreach (var (k, v) in Json.Object(set, "spec", "selector", "matchLabels") ?? [])
        {
            labels[k] = v?.DeepClone();
        }

        var meta = new JsonObject { ["name"] = name, ["namespace"] = Meta.Namespace(set), ["labels"] = labels };
        if (Json.Object(template, "metadata", "annotations") is { Count: > 0 } annotations)
        {
            meta["annotations"] = annotations.DeepClone();
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolumeClaim",
            ["metadata"] = meta,
            ["spec"] = Json.Object(template, "spec")?.DeepClone() ?? new JsonObject(),
        };
    }
}
