namespace Berth.Controllers.Tests.Support;

/// <summary>What the <see cref="FakeKubelet"/> does with a pod bound to one of its nodes.</summary>
public enum PodOutcome
{
    /// <summary>Running, all containers ready, Ready=True.</summary>
    RunReady,

    /// <summary>Running but not ready (a failing readiness probe).</summary>
    RunNotReady,

    /// <summary>Every container exits 0: phase Succeeded.</summary>
    Succeed,

    /// <summary>A container exits 1 (restartPolicy Never): phase Failed.</summary>
    Fail,

    /// <summary>Leave the pod Pending, as a node whose agent is gone.</summary>
    Ignore,
}
