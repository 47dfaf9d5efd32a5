using Berth.Api.Client;
using Berth.Server.Http;
using Berth.Server.Pki;
using Microsoft.AspNetCore.Http;

namespace Berth.Server.Auth;

/// <summary>
/// Lets no one in without credentials: a client certificate signed by the cluster CA (user from CN,
/// groups from O) or a bearer token from the token file. Only the health endpoints
/// (<c>/livez</c>, <c>/readyz</c>, <c>/healthz</c>) answer anonymous callers, as Kubernetes'
/// <c>system:public-info-viewer</c> role allows. Everything else answers 401 Unauthorized.
/// Every authenticated user is an administrator for now (no RBAC yet).
/// </summary>
public sealed class AuthenticationMiddleware(RequestDelegate next, ClusterPki pki, TokenFile tokens)
{
    public static readonly object UserKey = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _verdicts = new(StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "";
        if (IsPublic(path))
        {
            await next(ctx);
            return;
        }

        var user = Authenticate(ctx);
        if (user is null)
        {
            await ResponseWriter.WriteStatusAsync(ctx, new ApiException(401, "Unauthorized", "Unauthorized"));
            return;
        }

        ctx.Items[UserKey] = user;
        await next(ctx);
    }

    private UserInfo? Authenticate(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            // A presented but wrong token is refused even when a certificate is also presented.
            return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? tokens.Authenticate(header[7..].Trim()) : null;
        }

        var cert = ctx.Connection.ClientCertificate;
        if (cert is not null && IsTrusted(cert))
        {
            var cn = cert.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false);
            var groups = cert.SubjectName.EnumerateRelativeDistinguishedNames()
                .Where(r => r.GetSingleElementType().Value == "2.5.4.10")
                .Select(r => r.GetSingleElementValue() ?? "")
                .ToList();
            return new UserInfo(cn, groups);
        }

        return null;
    }

    /// <summary>
    /// Chain validation is costly (OpenSSL builds the chain each time) and a connection presents the
    /// same certificate on every request: remember verdicts by thumbprint (bounded).
    /// </summary>
    private bool IsTrusted(System.Security.Cryptography.X509Certificates.X509Certificate2 cert)
    {
        var key = cert.Thumbprint;
        if (_verdicts.TryGetValue(key, out var ok))
        {
            return ok;
        }

        ok = pki.IsSignedByCa(cert);
        if (_verdicts.Count > 1024)
        {
            _verdicts.Clear();
        }

        _verdicts[key] = ok;
        return ok;
    }

    private static bool IsPublic(string path) =>
        path is "/livez" or "/readyz" or "/healthz" || path.StartsWith("/livez/", StringComparison.Ordinal)
        || path.StartsWith("/readyz/", StringComparison.Ordinal) || path.StartsWith("/healthz/", StringComparison.Ordinal);
}
