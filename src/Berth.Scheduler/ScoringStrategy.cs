namespace Berth.Scheduler;

/// <summary>NodeResourcesFit's scoring strategy (<c>scoringStrategy.type</c> in KubeSchedulerConfiguration).</summary>
public enum ScoringStrategy
{
    /// <summary>Prefer the emptiest node: spreads load (Kubernetes' default).</summary>
    LeastAllocated,

    /// <summary>Prefer the fullest node that fits: bin-packing, leaves whole nodes free.</summary>
    MostAllocated,
}
