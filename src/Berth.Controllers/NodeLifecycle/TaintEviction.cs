using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.NodeLifecycle;

/// <summary>
/// When a pod on a node with NoExecute taints must go (kube's taint-eviction controller,
/// pkg/controller/tainteviction): at once when a NoExecute taint is not tolerated; otherwise at the earliest
/// <c>taint.timeAdded + tolerationSeconds</c> among the tolerations used (a toleration without seconds tolerates
/// forever, one of 0 or less evicts at once); never when the node has no NoExecute taint.
/// </summary>
public static class TaintEviction
{
    /// <summary>The time the pod is to be deleted, <see cref="DateTimeOffset.MinValue"/> for now, or null for never.</summary>
    public static DateTimeOffset? EvictAt(JsonObject node, JsonObject pod, long defaultTolerationSeconds, DateTimeOffset now)
    {
        var taints = NodeMatching.Taints(node).Where(t => Json.String(t, "effect") == "NoExecute").ToList();
        if (taints.Count == 0)
        {
            return null;
        }

        var tolerations = DefaultTolerationSeconds.Effective(Json.Object(pod, "spec"), defaultTolerationSeconds);
        DateTimeOffset? at = null;
        foreach (var taint in taints)
        {
            var used = tolerations.Where(t => NodeMatching.Tolerates(t, taint)).ToList();
            if (used.Count == 0)
            {
                return DateTimeOffset.MinValue;
            }

            var seconds = used.Select(t => Json.Long(t, "tolerationSeconds")).Where(s => s is not null).Select(s => s!.Value).DefaultIfEmpty(long.MaxValue).Min();
            if (seconds == long.MaxValue)
            {
                continue;
            }

            if (seconds <= 0)
            {
                return DateTimeOffset.MinValue;
            }

            var added = Timestamps.Parse(Json.String(taint, "timeAdded")) ?? now;
            var due = added.AddSeconds(seconds);
            at = at is null || due < at ? due : at;
        }

        return at;
    }
}
