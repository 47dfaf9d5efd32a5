namespace Berth.Controllers;

/// <summary>
/// Settings of the workload controllers, the scheduler and node lifecycle (<c>AddBerthControllers</c>).
/// Every field has kube-controller-manager's default.
/// </summary>
public sealed record WorkloadOptions
{
    /// <summary>The data directory of the server; local volumes default to <c>DATA_DIR/volumes/PV</c> on the node.</summary>
    public string DataDir { get; init; } = "/var/lib/berth";

    /// <summary>How long a node's Lease may go unrenewed before the node is Unknown (<c>--node-monitor-grace-period</c>, 40 s).</summary>
    public TimeSpan NodeMonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>How often node health is checked (<c>--node-monitor-period</c>, 5 s).</summary>
    public TimeSpan NodeMonitorPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The tolerationSeconds of the not-ready/unreachable NoExecute tolerations a pod gets when it has none
    /// (the DefaultTolerationSeconds admission plugin, 300 s).
    /// </summary>
    public long DefaultTolerationSeconds { get; init; } = 300;

    /// <summary>The delay before a Job replaces its first failed pod, doubled for each further failure (10 s).</summary>
    public TimeSpan JobBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest delay between a Job's pod failures and the next pod (6 min).</summary>
    public TimeSpan JobMaxBackoff { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>The scheduler's configuration.</summary>
    public Berth.Scheduler.SchedulerConfig Scheduler { get; init; } = Berth.Scheduler.SchedulerConfig.Default;

    /// <summary>Names of controllers not to run (e.g. "scheduler" when another scheduler does the job).</summary>
    public IReadOnlySet<string> Disabled { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}
