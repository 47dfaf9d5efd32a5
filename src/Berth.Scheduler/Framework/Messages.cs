namespace Berth.Scheduler.Framework;

/// <summary>
/// The reason strings kube-scheduler's plugins report, verbatim, so that events and conditions read the same
/// (pkg/scheduler/framework/plugins/*: ErrReason constants; FitError in framework/types.go).
/// </summary>
internal static class Messages
{
    public const string NodeUnschedulable = "node(s) were unschedulable";
    public const string NodeName = "node(s) didn't match the requested node name";
    public const string NodeAffinity = "node(s) didn't match Pod's node affinity/selector";
    public const string NodeAffinityPreFilter = "node(s) didn't satisfy plugin(s) [NodeAffinity]";
    public const string NodeAffinityConflict = "pod affinity terms conflict";
    public const string NodePorts = "node(s) didn't have free ports for the requested pod ports";
    public const string TooManyPods = "Too many pods";
    public const string InsufficientPrefix = "Insufficient ";
    public const string SpreadConstraints = "node(s) didn't match pod topology spread constraints";
    public const string SpreadMissingLabel = "node(s) didn't match pod topology spread constraints (missing required label)";
    public const string AffinityRules = "node(s) didn't match pod affinity rules";
    public const string AntiAffinityRules = "node(s) didn't match pod anti-affinity rules";
    public const string ExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules";
    public const string NoVictims = "No preemption victims found for incoming pod";
    public const string PreemptionNotHelpful = "Preemption is not helpful for scheduling";
    public const string PreemptNever = "not eligible due to preemptionPolicy=Never.";
    public const string TerminatingOnNominated = "not eligible due to a terminating pod on the nominated node.";
    public const string NoNodes = "no nodes available to schedule pods";
    public const string Gated = "Scheduling is blocked due to non-empty scheduling gates";

    public static readonly NodeStatus NodeUnschedulableStatus = new(true, NodeUnschedulable);
    public static readonly NodeStatus NodeNameStatus = new(true, NodeName);
    public static readonly NodeStatus NodeAffinityStatus = new(true, NodeAffinity);
    public static readonly NodeStatus NodeAffinityPreFilterStatus = new(true, NodeAffinityPreFilter);
    public static readonly NodeStatus NodePortsStatus = new(false, NodePorts);
    public static readonly NodeStatus SpreadStatus = new(false, SpreadConstraints);
    public static readonly NodeStatus SpreadMissingLabelStatus = new(true, SpreadMissingLabel);
    public static readonly NodeStatus AffinityStatus = new(true, AffinityRules);
    public static readonly NodeStatus AntiAffinityStatus = new(false, AntiAffinityRules);
    public static readonly NodeStatus ExistingAntiAffinityStatus = new(false, ExistingAntiAffinity);
    public static readonly NodeStatus NoVictimsStatus = new(true, NoVictims);
    public static readonly NodeStatus PreemptionNotHelpfulStatus = new(true, PreemptionNotHelpful);

    /// <summary>
    /// FitError.Error(): <c>0/N nodes are available: </c>, then the PreFilter message or the reason histogram
    /// ("COUNT REASON" entries sorted as strings, so by count's first digit then text), each closed by a period,
    /// then the PostFilter (preemption) message as it is.
    /// </summary>
    public static string FitError(int allNodes, IEnumerable<NodeStatus?> statuses, string? preFilterMessage, string? postFilterMessage)
    {
        var msg = $"0/{allNodes} nodes are available:";
        if (!string.IsNullOrEmpty(preFilterMessage))
        {
            msg += $" {preFilterMessage}.";
        }
        else
        {
            var histogram = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var s in statuses)
            {
                foreach (var r in s?.Reasons ?? [])
                {
                    histogram[r] = histogram.GetValueOrDefault(r) + 1;
                }
            }

            var parts = histogram.Select(kv => $"{kv.Value} {kv.Key}").ToList();
            parts.Sort(StringComparer.Ordinal);
            if (parts.Count > 0)
            {
                msg += $" {string.Join(", ", parts)}.";
            }
        }

        if (!string.IsNullOrEmpty(postFilterMessage))
        {
            msg += $" {postFilterMessage}";
        }

        return msg;
    }
}
