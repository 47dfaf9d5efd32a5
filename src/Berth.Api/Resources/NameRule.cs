namespace Berth.Api.Resources;

/// <summary>Which rule an object's <c>metadata.name</c> must follow (apimachinery's name validators).</summary>
public enum NameRule
{
    /// <summary>RFC 1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253 characters (most kinds).</summary>
    Subdomain,

    /// <summary>RFC 1123 label: lower-case alphanumerics and '-', at most 63 characters (namespaces, statefulsets).</summary>
    Label,

    /// <summary>RFC 1035 label: like <see cref="Label"/> but starting with a letter (services: the name becomes a DNS name and an env var prefix).</summary>
    Dns1035Label,

    /// <summary>Path segment: anything but '/', '%', '.' and '..' (events, and kinds with free-form names).</summary>
    PathSegment,
}
