using Berth.Api.Client;

namespace Berth.Api.Selectors;

/// <summary>
/// A label or field selector that does not parse or validate. <see cref="Exception.Message"/> is the text
/// Kubernetes gives (apimachinery's labels.Parse, fields.ParseSelector, metav1.LabelSelectorAsSelector), which the
/// API answers as 400 BadRequest.
/// </summary>
public sealed class SelectorException(string message) : Exception(message)
{
    /// <summary>The HTTP status the API answers.</summary>
    public int Code => 400;

    /// <summary>The 400 BadRequest the API answers with, carrying this message.</summary>
    public ApiException ToApiException() => new(Code, "BadRequest", Message, inner: this);
}
