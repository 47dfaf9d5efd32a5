using System.Globalization;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Common;

namespace Berth.Controllers.ReplicaSets;

/// <summary>
/// Which pods a ReplicaSet deletes first when it scales down: kube's <c>controller.ActivePodsWithRanks</c> with
/// LogarithmicScaleDown (GA), least useful first:
/// <list type="number">
/// <item>unassigned before assigned;</item>
/// <item>Pending before Unknown before Running;</item>
/// <item>not ready before ready;</item>
/// <item>lower <c>controller.kubernetes.io/pod-deletion-cost</c> first;</item>
/// <item>more related pods on the same node first (doubled-up pods go first);</item>
/// <item>ready for less time first (compared in log₂ buckets of the time since ready, ties by uid);</item>
/// <item>more container restarts first;</item>
/// <item>newer first (log₂ buckets of age, ties by uid).</item>
/// </list>
/// </summary>
public static class PodRanking
{
    public const string DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

    /// <summary>The <paramref name="count"/> pods of <paramref name="pods"/> to delete, least useful first.</summary>
    public static List<JsonObject> ToDelete(IReadOnlyList<JsonObject> pods, IEnumerable<JsonObject> related, int count, DateTimeOffset now)
    {
        if (count >= pods.Count)
        {
            return [.. pods];
        }

        var onNode = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in related)
        {
            if (PodState.IsActive(p))
            {
                var node = PodState.NodeName(p);
                onNode[node] = onNode.GetValueOrDefault(node) + 1;
            }
        }

        var ranked = pods.Select(p => (Pod: p, Rank: onNode.GetValueOrDefault(PodState.NodeName(p)))).ToList();
        ranked.Sort((a, b) => Compare(a.Pod, a.Rank, b.Pod, b.Rank, now));
        return [.. ranked.Take(count).Select(r => r.Pod)];
    }

    /// <summary>Negative when pod <paramref name="a"/> should be deleted before pod <paramref name="b"/>.</summary>
    public static int Compare(JsonObject a, int rankA, JsonObject b, int rankB, DateTimeOffset now)
    {
        var nodeA = PodState.NodeName(a);
        var nodeB = PodState.NodeName(b);
        if (nodeA != nodeB && (nodeA.Length == 0 || nodeB.Length == 0))
        {
            return nodeA.Length == 0 ? -1 : 1;
        }

        var phaseA = PhaseOrdinal(PodState.Phase(a));
        var phaseB = PhaseOrdinal(PodState.Phase(b));
        if (phaseA != phaseB)
        {
            return phaseA.CompareTo(phaseB);
        }

        var readyA = PodState.IsReady(a);
        var readyB = PodState.IsReady(b);
        if (readyA != readyB)
        {
            return readyA ? 1 : -1;
        }

        var costA = DeletionCost(a);
        var costB = DeletionCost(b);
        if (costA != costB)
        {
            return costA.CompareTo(costB);
        }

        if (rankA != rankB)
        {
            return rankB.CompareTo(rankA);
        }

        if (readyA && readyB)
        {
            var timeA = ReadyTime(a);
            var timeB = ReadyTime(b);
            if (timeA != timeB)
            {
                if (timeA is null || timeB is null)
                {
                    return AfterOrZero(timeA, timeB) ? -1 : 1;
                }

                var diff = LogRankDiff(timeA.Value, timeB.Value, now);
                return diff == 0 ? UidOrder(a, b) : diff < 0 ? -1 : 1;
            }
        }

        var restartsA = MaxRestarts(a);
        var restartsB = MaxRestarts(b);
        if (restartsA != restartsB)
        {
            return restartsB.CompareTo(restartsA);
        }

        var createdA = Timestamps.Parse(Json.String(a, "metadata", "creationTimestamp"));
        var createdB = Timestamps.Parse(Json.String(b, "metadata", "creationTimestamp"));
        if (createdA != createdB)
        {
            if (createdA is null || createdB is null)
            {
                return AfterOrZero(createdA, createdB) ? -1 : 1;
            }

            var diff = LogRankDiff(createdA.Value, createdB.Value, now);
            return diff == 0 ? UidOrder(a, b) : diff < 0 ? -1 : 1;
        }

        return 0;
    }

    private static int PhaseOrdinal(string phase) => phase switch
    {
        "Pending" or "" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };

    private static int DeletionCost(JsonObject pod) =>
        int.TryParse(Meta.Annotation(pod, DeletionCostAnnotation), NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : 0;

    private static DateTimeOffset? ReadyTime(JsonObject pod) =>
        Timestamps.Parse(Json.String(PodState.Condition(pod, "Ready"), "lastTransitionTime"));

    private static long MaxRestarts(JsonObject pod) =>
        Json.Array(pod, "status", "containerStatuses")?.OfType<JsonObject>().Select(c => Json.Long(c, "restartCount") ?? 0).DefaultIfEmpty(0).Max() ?? 0;

    /// <summary><c>afterOrZero</c>: a missing time counts as later than any time.</summary>
    private static bool AfterOrZero(DateTimeOffset? t1, DateTimeOffset? t2) =>
        t1 is null || t2 is null ? t1 is null : t1 > t2;

    /// <summary><c>logarithmicRankDiff</c>: the difference of ⌊log₂(nanoseconds since t)⌋ of the two times.</summary>
    private static long LogRankDiff(DateTimeOffset t1, DateTimeOffset t2, DateTimeOffset now)
    {
        static long Rank(DateTimeOffset t, DateTimeOffset now)
        {
            var d = (now - t).Ticks * 100.0;
            return d > 0 ? (long)Math.Log2(d) : -1;
        }

        return Rank(t1, now) - Rank(t2, now);
    }

    private static int UidOrder(JsonObject a, JsonObject b) => string.CompareOrdinal(Meta.Uid(a), Meta.Uid(b));
}
