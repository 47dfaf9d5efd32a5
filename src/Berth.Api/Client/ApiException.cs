using System.Text.Json.Nodes;
using Berth.Api.Resources;

namespace Berth.Api.Client;

/// <summary>
/// A failed API call, carrying the Kubernetes <c>Status</c> the server answers with
/// (<c>{kind: Status, status: Failure, message, reason, details, code}</c>). Reasons and codes follow
/// k8s.io/apimachinery/pkg/api/errors so that clients react as they do against Kubernetes.
/// </summary>
public sealed class ApiException(int code, string reason, string message, StatusDetails? details = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int Code { get; } = code;

    /// <summary>The machine-readable reason: NotFound, AlreadyExists, Conflict, Invalid, BadRequest, Expired, ...</summary>
    public string Reason { get; } = reason;

    public StatusDetails? Details { get; } = details;

    public static ApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found", new StatusDetails(name, type.Group, type.Plural));

    public static ApiException NotFound(string group, string resource, string name) =>
        new(404, "NotFound", $"{(group.Length == 0 ? resource : $"{resource}.{group}")} \"{name}\" not found", new StatusDetails(name, group, resource));

    public static ApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedResource} \"{name}\" already exists", new StatusDetails(name, type.Group, type.Plural));

    public static ApiException Conflict(ResourceType type, string name, string detail) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": {detail}", new StatusDetails(name, type.Group, type.Plural));

    /// <summary>The 409 a stale <c>resourceVersion</c> gets; kubectl re-reads and retries on it.</summary>
    public static ApiException StaleResourceVersion(ResourceType type, string name) =>
        Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiException Invalid(ResourceType type, string name, IReadOnlyList<StatusCause> causes) =>
        new(422, "Invalid", $"{type.QualifiedKind} \"{name}\" is invalid: {FormatCauses(causes)}",
            new StatusDetails(name, type.Group, type.Kind, causes));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Expired(string message) => new(410, "Expired", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException Forbidden(ResourceType type, string name, string detail) =>
        new(403, "Forbidden", $"{type.QualifiedResource} \"{name}\" is forbidden: {detail}", new StatusDetails(name, type.Group, type.Plural));

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {contentType})");

    public static ApiException Internal(string message, Exception? inner = null) =>
        new(500, "InternalError", $"Internal error occurred: {message}", inner: inner);

    public static ApiException ServiceUnavailable(string message) => new(503, "ServiceUnavailable", message);

    public static ApiException Timeout(string message) => new(504, "Timeout", message);

    /// <summary>Causes joined as Kubernetes does: one cause plainly, several in brackets.</summary>
    public static string FormatCauses(IReadOnlyList<StatusCause> causes) =>
        causes.Count == 1 ? causes[0].ToString() : $"[{string.Join(", ", causes.Select(c => c.ToString()))}]";

    /// <summary>The <c>Status</c> object for this failure.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Details is not null)
        {
            status["details"] = Details.ToJson();
        }

        status["code"] = Code;
        return status;
    }

    /// <summary>Rebuilds the exception from a <c>Status</c> a server answered with.</summary>
    public static ApiException FromStatus(JsonNode? status, int httpCode)
    {
        var reason = Json.String(status, "reason") ?? (httpCode == 404 ? "NotFound" : "Unknown");
        var message = Json.String(status, "message") ?? $"the server answered {httpCode}";
        var code = (int)(Json.Long(status, "code") ?? httpCode);
        StatusDetails? details = null;
        if (Json.Object(status, "details") is { } d)
        {
            var causes = Json.Array(d, "causes")?.Select(c =>
                new StatusCause(Json.String(c, "reason") ?? "", Json.String(c, "message") ?? "", Json.String(c, "field") ?? "")).ToList();
            details = new StatusDetails(Json.String(d, "name") ?? "", Json.String(d, "group") ?? "", Json.String(d, "kind") ?? "", causes);
        }

        return new ApiException(code, reason, message, details);
    }
}
