using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Storage;
using k8s.Models;

namespace Berth.Controllers.Scheduling;

/// <summary>
/// The part of kube-scheduler's VolumeBinding plugin Berth needs, done before the pure scheduler runs: a pod whose
/// claim is missing (or being deleted) is unschedulable with kube's message; a pod whose claims are bound to
/// volumes with node affinity (local volumes) gets that affinity ANDed into its required node affinity, so it
/// returns to the node that holds its data. Unbound claims do not constrain placement (WaitForFirstConsumer:
/// the provisioner follows the pod).
/// </summary>
public static class VolumeBinding
{
    /// <summary>Returns the pod to schedule (a pinned copy when needed) or the reason it cannot be scheduled.</summary>
    public static (V1Pod Pod, string? Error) Apply(JsonObject pod, V1Pod typed, Func<string?, string, JsonObject?> claim, Func<string, JsonObject?> volume)
    {
        var terms = new List<List<V1NodeSelectorTerm>>();
        foreach (var name in LocalVolumes.ClaimsOf(pod))
        {
            var c = claim(Meta.Namespace(pod), name);
            if (c is null)
            {
                return (typed, $"persistentvolumeclaim \"{name}\" not found");
            }

            if (Meta.IsDeleting(c))
            {
                return (typed, $"persistentvolumeclaim \"{name}\" is being deleted");
            }

            if (Json.String(c, "spec", "volumeName") is not { Length: > 0 } volumeName)
            {
                continue;
            }

            if (volume(volumeName) is not { } pv)
            {
                return (typed, $"persistentvolume \"{volumeName}\" not found");
            }

            if (Json.Array(pv, "spec", "nodeAffinity", "required", "nodeSelectorTerms") is { Count: > 0 } pvTerms)
            {
                terms.Add([.. pvTerms.OfType<JsonObject>().Select(t => k8s.KubernetesJson.Deserialize<V1NodeSelectorTerm>(t.ToJsonString()))]);
            }
        }

        if (terms.Count == 0)
        {
            return (typed, null);
        }

        var copy = k8s.KubernetesJson.Deserialize<V1Pod>(pod.ToJsonString());
        copy.Spec.Affinity ??= new V1Affinity();
        copy.Spec.Affinity.NodeAffinity ??= new V1NodeAffinity();
        var required = copy.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution;
        IEnumerable<V1NodeSelectorTerm> combined = required?.NodeSelectorTerms is { Count: > 0 } own ? own : [new V1NodeSelectorTerm()];
        foreach (var alternatives in terms)
        {
            combined = [.. combined.SelectMany(a => alternatives.Select(b => And(a, b)))];
        }

        copy.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = [.. combined] };
        return (copy, null);
    }

    private static V1NodeSelectorTerm And(V1NodeSelectorTerm a, V1NodeSelectorTerm b) => new()
    {
        MatchExpressions = [.. a.MatchExpressions ?? [], .. b.MatchExpressions ?? []],
        MatchFields = [.. a.MatchFields ?? [], .. b.MatchFields ?? []],
    };

    /// <summary>kube's FitError text for a pod rejected before any node was looked at.</summary>
    public static string FitError(int nodes, string reason) =>
        $"0/{nodes} nodes are available: {reason}. preemption: 0/{nodes} nodes are available: {nodes} Preemption is not helpful for scheduling.";
}
