namespace Berth.Controllers.Tests.Support;

/// <summary>The outcome for a pod and how long after it is bound the <see cref="FakeKubelet"/> reports it.</summary>
public sealed record PodPlan(PodOutcome Outcome, TimeSpan Delay)
{
    public static PodPlan Now(PodOutcome outcome) => new(outcome, TimeSpan.Zero);
}
