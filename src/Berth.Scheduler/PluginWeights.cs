namespace Berth.Scheduler;

/// <summary>
/// Score plugin weights; the defaults are kube-scheduler's (<c>pkg/scheduler/apis/config/v1/default_plugins.go</c>).
/// A weight of 0 turns the plugin's score off.
/// </summary>
public sealed record PluginWeights
{
    public int TaintToleration { get; init; } = 3;

    public int NodeAffinity { get; init; } = 2;

    public int NodeResourcesFit { get; init; } = 1;

    public int PodTopologySpread { get; init; } = 2;

    public int InterPodAffinity { get; init; } = 2;

    public int NodeResourcesBalancedAllocation { get; init; } = 1;
}
