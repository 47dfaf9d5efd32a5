namespace Berth.Scheduler;

/// <summary>The outcome of one batch, in the order pods were processed (priority, then creation time).</summary>
public sealed record ScheduleResult(IReadOnlyList<SchedulingDecision> Decisions)
{
    public IEnumerable<PodBinding> Bindings => Decisions.Where(d => d.Binding is not null).Select(d => d.Binding!);

    public IEnumerable<SchedulingFailure> Failures => Decisions.Where(d => d.Failure is not null).Select(d => d.Failure!);
}
