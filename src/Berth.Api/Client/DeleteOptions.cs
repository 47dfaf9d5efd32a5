namespace Berth.Api.Client;

/// <summary><c>metav1.DeleteOptions</c>: how dependents are treated and how long the object may take to go.</summary>
public sealed record DeleteOptions
{
    /// <summary>Background (default), Foreground or Orphan.</summary>
    public string? PropagationPolicy { get; init; }

    public long? GracePeriodSeconds { get; init; }

    public string? PreconditionUid { get; init; }

    public string? PreconditionResourceVersion { get; init; }

    public bool DryRun { get; init; }
}
