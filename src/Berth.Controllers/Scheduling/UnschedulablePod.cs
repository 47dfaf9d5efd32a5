namespace Berth.Controllers.Scheduling;

/// <summary>
/// A pod that fit nowhere: when it failed, the cluster epoch it was tried against, and how many times it failed
/// (for the back-off before a cluster change may retry it).
/// </summary>
public sealed record UnschedulablePod(DateTimeOffset FailedAt, long Epoch, int Attempts)
{
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    /// <summary>kube-scheduler's <c>unschedulableQTimeInterval</c>: retried at least this often without any cluster change.</summary>
    public static readonly TimeSpan MaxStay = TimeSpan.FromMinutes(5);

    /// <summary>The earliest a cluster change may send the pod back to scheduling (1 s doubling to 10 s).</summary>
    public DateTimeOffset BackoffUntil =>
        FailedAt + TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, InitialBackoff.Ticks << Math.Min(Attempts - 1, 10)));

    /// <summary>Whether the pod should be tried again at <paramref name="now"/> with the cluster at <paramref name="epoch"/>.</summary>
    public bool Due(DateTimeOffset now, long epoch) => (epoch != Epoch && now >= BackoffUntil) || now - FailedAt >= MaxStay;

    /// <summary>When it becomes due at the latest, or after its back-off when the cluster has changed.</summary>
    public DateTimeOffset NextCheck(long epoch) => epoch != Epoch ? BackoffUntil : FailedAt + MaxStay;
}
