namespace Berth.Agent.Volumes;

/// <summary>A claim that cannot be mounted now; the message is what the pod's <c>FailedMount</c> event says.</summary>
internal sealed class ClaimUnavailableException(ClaimProblem problem, string message) : Exception(message)
{
    public ClaimProblem Problem { get; } = problem;
}
