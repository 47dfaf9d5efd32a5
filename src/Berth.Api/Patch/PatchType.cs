namespace Berth.Api.Patch;

/// <summary>The patch formats of a Kubernetes PATCH request, told apart by its <c>Content-Type</c> (<see cref="PatchTypes"/>).</summary>
public enum PatchType
{
    /// <summary><c>application/json-patch+json</c>: RFC 6902 operations (<see cref="JsonPatch"/>).</summary>
    Json,

    /// <summary><c>application/merge-patch+json</c>: RFC 7386 (<see cref="JsonMergePatch"/>).</summary>
    Merge,

    /// <summary><c>application/strategic-merge-patch+json</c>: Kubernetes' strategic merge patch (<see cref="StrategicMergePatch"/>).</summary>
    StrategicMerge,

    /// <summary><c>application/apply-patch+yaml</c>: server-side apply; recognised but not implemented here.</summary>
    Apply,
}
