namespace Berth.Api.Client;

/// <summary>The patch formats the API accepts, by their Content-Type.</summary>
public enum PatchType
{
    /// <summary><c>application/json-patch+json</c> (RFC 6902).</summary>
    Json,

    /// <summary><c>application/merge-patch+json</c> (RFC 7386).</summary>
    Merge,

    /// <summary><c>application/strategic-merge-patch+json</c>, Kubernetes' list-aware merge.</summary>
    StrategicMerge,

    /// <summary><c>application/apply-patch+yaml</c>, server-side apply.</summary>
    Apply,
}
