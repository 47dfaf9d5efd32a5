using System.Text.Json.Nodes;

namespace Berth.Api.Resources;

/// <summary>
/// The behaviour shared by every kind: metadata validation, Name/Age columns,
/// <c>metadata.name</c>/<c>metadata.namespace</c> field selectors, and spec-change detection
/// that ignores metadata and status. Kinds derive and override what differs.
/// </summary>
public class ResourceStrategy : IResourceStrategy
{
    public static ResourceStrategy Default { get; } = new();

    /// <summary>The generic strategy for a kind whose status is written only through <c>/status</c>.</summary>
    public static ResourceStrategy WithStatus { get; } = new StatusSubresourceStrategy();

    private static readonly IReadOnlyList<TableColumn> BaseColumns =
    [
        new("Name", "string", "Name must be unique within a namespace.", 0, "name"),
        new("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created."),
    ];

    public virtual bool HasStatusSubresource => false;

    /// <summary>How names of this kind are checked; most kinds use DNS-1123 subdomains.</summary>
    protected virtual NameRule NameRule => NameRule.Subdomain;

    /// <summary>True for kinds without a namespace; they have no <c>metadata.namespace</c> field selector.</summary>
    protected virtual bool ClusterScoped => false;

    public virtual IReadOnlyList<TableColumn> Columns => BaseColumns;

    public virtual void PrepareForCreate(JsonObject obj)
    {
        if (HasStatusSubresource)
        {
            obj.Remove("status");
        }
    }

    public virtual void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        if (HasStatusSubresource)
        {
            Json.CopyProperty(old, obj, "status");
        }
    }

    public virtual void PrepareForStatusUpdate(JsonObject obj, JsonObject old)
    {
        foreach (var (key, _) in old)
        {
            if (key is not ("status" or "metadata" or "apiVersion" or "kind"))
            {
                Json.CopyProperty(old, obj, key);
            }
        }

        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (key is not ("status" or "metadata" or "apiVersion" or "kind") && !old.ContainsKey(key))
            {
                obj.Remove(key);
            }
        }

        // A status update may not change labels, annotations, finalizers or owner references.
        var meta = Json.Object(obj, "metadata");
        var oldMeta = Json.Object(old, "metadata");
        if (meta is not null && oldMeta is not null)
        {
            foreach (var key in new[] { "labels", "annotations", "finalizers", "ownerReferences" })
            {
                Json.CopyProperty(oldMeta, meta, key);
            }
        }
    }

    public virtual void ApplyDefaults(JsonObject obj)
    {
    }

    public virtual IReadOnlyList<StatusCause> Validate(JsonObject obj)
    {
        var causes = new List<StatusCause>();
        Validation.ValidateObjectMeta(obj, NameRule, causes);
        ValidateSpec(obj, causes);
        return causes;
    }

    /// <summary>Kind-specific checks beyond metadata; add causes to <paramref name="causes"/>.</summary>
    protected virtual void ValidateSpec(JsonObject obj, List<StatusCause> causes)
    {
    }

    public virtual IReadOnlyList<StatusCause> ValidateUpdate(JsonObject obj, JsonObject old)
    {
        var causes = new List<StatusCause>();
        Validation.ValidateObjectMetaUpdate(obj, old, causes);
        ValidateSpecUpdate(obj, old, causes);
        return causes;
    }

    /// <summary>Kind-specific transition checks (immutable fields); add causes to <paramref name="causes"/>.</summary>
    protected virtual void ValidateSpecUpdate(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
    }

    public virtual IReadOnlyList<StatusCause> ValidateStatusUpdate(JsonObject obj, JsonObject old)
    {
        var causes = new List<StatusCause>();
        Validation.ValidateObjectMetaUpdate(obj, old, causes);
        ValidateStatus(obj, old, causes);
        return causes;
    }

    /// <summary>Kind-specific checks of a status write; add causes to <paramref name="causes"/>.</summary>
    protected virtual void ValidateStatus(JsonObject obj, JsonObject old, List<StatusCause> causes)
    {
    }

    public virtual bool SpecChanged(JsonObject obj, JsonObject old)
    {
        foreach (var (key, value) in obj)
        {
            if (key is "metadata" or "status" or "apiVersion" or "kind")
            {
                continue;
            }

            if (!JsonNode.DeepEquals(value, old[key]))
            {
                return true;
            }
        }

        foreach (var (key, _) in old)
        {
            if (key is not ("metadata" or "status" or "apiVersion" or "kind") && !obj.ContainsKey(key))
            {
                return true;
            }
        }

        return false;
    }

    public virtual IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now) =>
        [Json.String(obj, "metadata", "name"), Age(obj, now)];

    public virtual bool TryGetField(FieldSource obj, string field, out string? value)
    {
        switch (field)
        {
            case "metadata.name":
                value = obj.String("metadata", "name");
                return true;
            case "metadata.namespace" when !ClusterScoped:
                value = obj.Str("metadata", "namespace");
                return true;
            default:
                value = null;
                return false;
        }
    }

    /// <summary>The Age cell: <c>metadata.creationTimestamp</c> relative to <paramref name="now"/>, as kubectl prints it.</summary>
    protected static string Age(JsonObject obj, DateTimeOffset now) =>
        HumanDuration.Since(Json.String(obj, "metadata", "creationTimestamp"), now);

    private sealed class StatusSubresourceStrategy : ResourceStrategy
    {
        public override bool HasStatusSubresource => true;
    }
}
