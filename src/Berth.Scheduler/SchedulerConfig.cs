namespace Berth.Scheduler;

/// <summary>The scheduler's knobs, a subset of kube-scheduler's KubeSchedulerConfiguration, with its defaults.</summary>
public sealed record SchedulerConfig
{
    public static readonly SchedulerConfig Default = new();

    /// <summary>NodeResourcesFit scoring: LeastAllocated (spread, default) or MostAllocated (bin-pack).</summary>
    public ScoringStrategy Scoring { get; init; } = ScoringStrategy.LeastAllocated;

    /// <summary>Resources NodeResourcesFit scores on, with weights (default cpu 1, memory 1).</summary>
    public IReadOnlyDictionary<string, int> ScoredResources { get; init; } = new Dictionary<string, int> { ["cpu"] = 1, ["memory"] = 1 };

    public PluginWeights Weights { get; init; } = new();

    /// <summary>
    /// How many nodes to look at before scoring, in percent of all nodes, as <c>percentageOfNodesToScore</c>:
    /// 0 (default) is kube-scheduler's adaptive figure (50% − nodes/125, at least 5%, at least 100 nodes);
    /// 100 scores every feasible node. A pod that fits nowhere is always checked against every node.
    /// </summary>
    public int PercentageOfNodesToScore { get; init; }

    /// <summary>Seeds the choice among nodes with equal top scores: the same inputs and seed give the same bindings.</summary>
    public int Seed { get; init; }

    /// <summary>InterPodAffinity's <c>hardPodAffinityWeight</c>: the score an existing pod's required affinity gives.</summary>
    public int HardPodAffinityWeight { get; init; } = 1;

    /// <summary>Whether a pod that fits nowhere may preempt lower-priority pods (DefaultPreemption).</summary>
    public bool EnablePreemption { get; init; } = true;

    /// <summary>
    /// Treat a node whose Ready condition is not True as tainted <c>node.kubernetes.io/not-ready</c> (False) or
    /// <c>node.kubernetes.io/unreachable</c> (Unknown or missing) with effect NoSchedule, as the node lifecycle
    /// controller would, unless the node already carries that taint.
    /// </summary>
    public bool TaintNotReadyNodes { get; init; } = true;
}
