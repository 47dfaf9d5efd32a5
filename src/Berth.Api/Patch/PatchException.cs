using Berth.Api.Client;

namespace Berth.Api.Patch;

/// <summary>
/// A patch that cannot be applied, carrying what the API answers: the HTTP <see cref="Code"/>, the
/// <c>Status.reason</c> and the <c>Status.message</c> (<see cref="Exception.Message"/>), chosen the way
/// k8s.io/apiserver's patch handler (endpoints/handlers/patch.go) maps the errors of its patch libraries:
/// <list type="bullet">
/// <item>400 BadRequest: a body that does not decode (not JSON, a JSON patch that is not a list of operations,
/// a strategic patch that is not an object) and malformed strategic directives
/// (<c>mergepatch.ErrBadPatchFormatFor*</c>).</item>
/// <item>422 Invalid: a JSON patch operation that does not apply. Kubernetes then answers only
/// "the server rejected our request due to an error in our request" and drops the library's text; Berth does
/// the same in <see cref="Exception.Message"/> and keeps the text in <see cref="Detail"/>.</item>
/// <item>422 Invalid: strategic patches that are well formed but do not fit the object (a list item without its
/// merge key, lists of lists, mixed element types). Kubernetes answers these with a 500 carrying the
/// library's message; Berth answers 422 with the same message, since the request, not the server, is at fault.</item>
/// <item>413 RequestEntityTooLarge: a JSON patch with more than 10000 operations.</item>
/// <item>415 UnsupportedMediaType: a patch type the resource does not accept (strategic merge patch on a kind
/// without a <see cref="PatchSchema"/>, such as a custom resource).</item>
/// </list>
/// </summary>
public sealed class PatchException : Exception
{
    /// <summary>The message Kubernetes gives for a JSON patch operation that fails (<c>NewGenericServerResponse(422)</c>).</summary>
    public const string RejectedMessage = "the server rejected our request due to an error in our request";

    public PatchException(int code, string reason, string message, string? detail = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Detail = detail;
    }

    /// <summary>The HTTP status code and <c>Status.code</c>.</summary>
    public int Code { get; }

    /// <summary>The <c>Status.reason</c>: BadRequest, Invalid, RequestEntityTooLarge, UnsupportedMediaType.</summary>
    public string Reason { get; }

    /// <summary>
    /// The patch library's own description when <see cref="Exception.Message"/> is Kubernetes' generic text
    /// (JSON patch failures): e.g. <c>testing value /spec/replicas failed: test failed</c>. The API may put it in
    /// <c>Status.details.causes[].message</c>; null when the message already says everything.
    /// </summary>
    public string? Detail { get; }

    /// <summary>
    /// The API error to answer with: same code, reason and message. <see cref="Detail"/> stays reachable through
    /// the inner exception for logs; Kubernetes does not send it to clients.
    /// </summary>
    public ApiException ToApiException() => new(Code, Reason, Message, inner: this);

    public static PatchException BadRequest(string message) => new(400, "BadRequest", message);

    public static PatchException Invalid(string message) => new(422, "Invalid", message);

    /// <summary>A JSON patch operation that does not apply: the generic 422 with the library's text as detail.</summary>
    public static PatchException Rejected(string detail) => new(422, "Invalid", RejectedMessage, detail);

    public static PatchException TooLarge(string message) => new(413, "RequestEntityTooLarge", $"Request entity too large: {message}");

    /// <summary>The 415 of apiserver's <c>negotiation.NewUnsupportedMediaTypeError</c>.</summary>
    public static PatchException UnsupportedMediaType(IEnumerable<string> accepted) =>
        new(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}");
}
