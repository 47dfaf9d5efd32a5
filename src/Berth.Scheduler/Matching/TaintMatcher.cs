using k8s.Models;

namespace Berth.Scheduler.Matching;

/// <summary>Toleration matching as <c>v1.Toleration.ToleratesTaint</c> defines it.</summary>
internal static class TaintMatcher
{
    public static bool Tolerates(V1Toleration t, string taintKey, string? taintValue, string taintEffect)
    {
        if (!string.IsNullOrEmpty(t.Effect) && t.Effect != taintEffect)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(t.Key) && t.Key != taintKey)
        {
            return false;
        }

        return t.OperatorProperty switch
        {
            null or "" or "Equal" => (t.Value ?? "") == (taintValue ?? ""),
            "Exists" => true,
            _ => false,
        };
    }

    public static bool AnyTolerates(IReadOnlyList<V1Toleration> tolerations, string taintKey, string? taintValue, string taintEffect)
    {
        foreach (var t in tolerations)
        {
            if (Tolerates(t, taintKey, taintValue, taintEffect))
            {
                return true;
            }
        }

        return false;
    }
}
