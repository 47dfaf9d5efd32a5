namespace Berth.Api.Resources;

/// <summary>The finalizers the API server adds for a delete's propagation policy, which the garbage collector honours.</summary>
public static class Finalizers
{
    /// <summary>Added by <c>propagationPolicy: Orphan</c>: dependents lose their owner reference instead of being deleted.</summary>
    public const string Orphan = "orphan";

    /// <summary>Added by <c>propagationPolicy: Foreground</c>: the owner goes only after its dependents.</summary>
    public const string Foreground = "foregroundDeletion";
}
