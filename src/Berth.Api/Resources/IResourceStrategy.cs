using System.Text.Json.Nodes;

namespace Berth.Api.Resources;

/// <summary>
/// What the API server does to objects of one kind beyond storing them, mirroring the
/// <c>RESTCreateStrategy</c>/<c>RESTUpdateStrategy</c> of k8s.io/apiserver:
/// <code>
///   create: server sets metadata (uid, creationTimestamp, generation=1)
///           → PrepareForCreate → ApplyDefaults → Validate → store
///   update: PrepareForUpdate(new, old) → ApplyDefaults → Validate + ValidateUpdate(new, old)
///           → generation+1 if SpecChanged → store
///   status: PrepareForStatusUpdate(new, old) → ValidateStatusUpdate(new, old) → store
/// </code>
/// Kind-specific strategies live in <c>Resources/Kinds</c> (one class per kind, see docs/api-resources.md).
/// Objects are the JSON the client sent (unknown fields survive), as <see cref="JsonObject"/>.
/// Implementations are stateless and thread-safe.
/// </summary>
public interface IResourceStrategy
{
    /// <summary>True when status is written only through the <c>/status</c> subresource.</summary>
    bool HasStatusSubresource { get; }

    /// <summary>Clears or initialises what a client may not set on create (e.g. status).</summary>
    void PrepareForCreate(JsonObject obj);

    /// <summary>Carries over what a main-resource update may not change (e.g. status from <paramref name="old"/>).</summary>
    void PrepareForUpdate(JsonObject obj, JsonObject old);

    /// <summary>Carries over what a status update may not change (spec and most metadata from <paramref name="old"/>).</summary>
    void PrepareForStatusUpdate(JsonObject obj, JsonObject old);

    /// <summary>Fills defaults the way Kubernetes' defaulting functions do for the fields Berth uses.</summary>
    void ApplyDefaults(JsonObject obj);

    /// <summary>Validates a whole object (create, and again on update). Empty = valid.</summary>
    IReadOnlyList<StatusCause> Validate(JsonObject obj);

    /// <summary>Checks the transition from <paramref name="old"/> (immutable fields). Empty = valid.</summary>
    IReadOnlyList<StatusCause> ValidateUpdate(JsonObject obj, JsonObject old);

    /// <summary>
    /// Checks a <c>/status</c> write after <see cref="PrepareForStatusUpdate"/>: immutable metadata and the kind's
    /// status rules (counts not negative, QoS class unchanged...). Empty = valid.
    /// </summary>
    IReadOnlyList<StatusCause> ValidateStatusUpdate(JsonObject obj, JsonObject old);

    /// <summary>Whether the update changes what <c>metadata.generation</c> counts (the spec, not metadata or status).</summary>
    bool SpecChanged(JsonObject obj, JsonObject old);

    /// <summary>The columns of <c>kubectl get</c> for this kind.</summary>
    IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>One table row's cells, in <see cref="Columns"/> order; <paramref name="now"/> is for ages.</summary>
    IReadOnlyList<object?> Cells(JsonObject obj, DateTimeOffset now);

    /// <summary>
    /// The value of field-selector label <paramref name="field"/> (e.g. <c>spec.nodeName</c>) for this object.
    /// Returns false when the kind does not support selecting on that field (the API answers 400).
    /// </summary>
    bool TryGetField(FieldSource obj, string field, out string? value);
}
