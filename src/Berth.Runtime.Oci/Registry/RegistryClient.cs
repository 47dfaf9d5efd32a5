using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Berth.Runtime.Oci.Images;

namespace Berth.Runtime.Oci.Registry;

/// <summary>
/// A client for one registry host speaking the OCI distribution spec
/// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md): manifests, blobs,
/// uploads. Authentication follows Docker: a request answered 401 with
/// <c>WWW-Authenticate: Bearer realm=…,service=…,scope=…</c> gets a token from the realm (with
/// basic credentials when configured) and is retried once; a <c>Basic</c> challenge is answered
/// with the configured credentials. Tokens are cached per scope. HTTPS by default, with an extra CA
/// when configured; plain HTTP only for insecure registries (after an HTTPS attempt without
/// verification, as Docker does). Thread-safe.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly HttpClient _insecureTls;
    private readonly RegistryHostConfig _config;
    private readonly bool _insecure;
    private readonly Dictionary<string, string> _tokens = [];
    private readonly Lock _gate = new();
    private Uri? _base;

    public RegistryClient(string registryHost, RegistryOptions options)
    {
        Host = registryHost;
        _config = options.For(registryHost);
        _insecure = options.IsInsecure(registryHost);
        X509Certificate2Collection? extraCa = null;
        if (_config.CaFile is { } caFile)
        {
            try
            {
                extraCa = [];
                extraCa.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException)
            {
                throw new RegistryException($"cannot read the CA file {caFile} for registry {registryHost}: {e.Message}");
            }
        }
        _http = new HttpClient(CreateHandler(extraCa, verify: true)) { Timeout = Timeout.InfiniteTimeSpan };
        _insecureTls = new HttpClient(CreateHandler(null, verify: false)) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The registry as named in references (<c>docker.io</c>, <c>registry:5000</c>).</summary>
    public string Host { get; }

    /// <summary>Where requests go: a configured mirror, else the registry (Docker Hub's API lives at registry-1.docker.io).</summary>
    public string ApiHost => _config.Mirror ?? (Host == ImageReference.DockerHub ? "registry-1.docker.io" : Host);

    private static SocketsHttpHandler CreateHandler(X509Certificate2Collection? extraCa, bool verify) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        AllowAutoRedirect = true,
        AutomaticDecompression = DecompressionMethods.None,
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
            {
                if (!verify || errors == SslPolicyErrors.None)
                {
                    return true;
                }
                if (extraCa is null || cert is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }
                using var custom = new X509Chain();
                custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                custom.ChainPolicy.CustomTrustStore.AddRange(extraCa);
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                if (chain is not null)
                {
                    foreach (var element in chain.ChainElements)
                    {
                        custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                    }
                }
                return custom.Build(new X509Certificate2(cert));
            },
        },
    };

    /// <summary>
    /// The base URL, decided once: <c>https://HOST</c>; for an insecure registry, HTTPS without
    /// certificate checks when the registry answers TLS, else <c>http://HOST</c>.
    /// </summary>
    private async Task<Uri> BaseAsync(CancellationToken ct)
    {
        if (_base is not null)
        {
            return _base;
        }
        var https = new Uri($"https://{ApiHost}/");
        if (!_insecure)
        {
            return _base = https;
        }
        try
        {
            using var probe = new HttpRequestMessage(HttpMethod.Get, new Uri(https, "v2/"));
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await _insecureTls.SendAsync(probe, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            return _base = https;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return _base = new Uri($"http://{ApiHost}/");
        }
    }

    private HttpClient ClientFor(Uri uri) => _insecure && uri.Scheme == Uri.UriSchemeHttps ? _insecureTls : _http;

    /// <summary>
    /// Sends a request built by <paramref name="build"/> (called again for the authenticated retry),
    /// returning the response for any status; transport failures become a <see cref="RegistryException"/>
    /// worded like Go's net errors.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Func<Uri, HttpRequestMessage> build, string scope, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseHeadersRead)
    {
        var baseUri = await BaseAsync(ct);
        var response = await SendOnceAsync(build, baseUri, scope, ct, completion);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }
        var challenges = response.Headers.WwwAuthenticate.Select(h => AuthChallenge.Parse(h.ToString())).OfType<AuthChallenge>().ToList();
        var bearer = challenges.FirstOrDefault(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
        var basic = challenges.FirstOrDefault(c => c.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase));
        string auth;
        if (bearer is not null)
        {
            // Ask for what the caller will need (e.g. pull,push for a whole push) plus what this request's
            // challenge names, so that parallel requests never downgrade each other's cached token.
            var tokenScope = bearer.Scope is { } challenged && challenged != scope ? scope + " " + challenged : scope;
            auth = "Bearer " + await FetchTokenAsync(bearer, tokenScope, ct);
        }
        else if (basic is not null && _config.Username is not null)
        {
            auth = "Basic " + BasicCredentials();
        }
        else
        {
            return response;
        }
        lock (_gate)
        {
            _tokens[scope] = auth;
        }
        response.Dispose();
        return await SendOnceAsync(build, baseUri, scope, ct, completion, auth);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Func<Uri, HttpRequestMessage> build, Uri baseUri, string scope, CancellationToken ct, HttpCompletionOption completion, string? auth = null)
    {
        using var request = build(baseUri);
        if (auth is null)
        {
            lock (_gate)
            {
                _tokens.TryGetValue(scope, out auth);
            }
        }
        if (auth is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", auth);
        }
        try
        {
            return await ClientFor(request.RequestUri!).SendAsync(request, completion, ct);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException(NetworkErrors.Describe(e, request.RequestUri!, _insecure), inner: e);
        }
    }

    private string BasicCredentials() => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_config.Username}:{_config.Password}"));

    /// <summary>The token flow: GET realm?service=…&amp;scope=… (basic credentials when configured) → {"token"|"access_token"}.</summary>
    private async Task<string> FetchTokenAsync(AuthChallenge challenge, string scope, CancellationToken ct)
    {
        if (challenge.Realm is null || !Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm))
        {
            throw new RegistryException($"registry {Host} asked for a bearer token without a usable realm (\"{challenge.Realm}\")", 401, "UNAUTHORIZED");
        }
        var query = new List<string>();
        if (challenge.Service is not null)
        {
            query.Add("service=" + Uri.EscapeDataString(challenge.Service));
        }
        foreach (var s in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            query.Add("scope=" + Uri.EscapeDataString(s));
        }
        var uri = new UriBuilder(realm) { Query = string.Join('&', query) }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (_config.Username is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicCredentials());
        }
        HttpResponseMessage response;
        try
        {
            response = await (realm.Scheme == Uri.UriSchemeHttps && _insecure ? _insecureTls : _http).SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException($"getting a token from {realm.GetLeftPart(UriPartial.Path)}: {NetworkErrors.Describe(e, uri, _insecure)}", inner: e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new RegistryException(
                    $"the token server {realm.GetLeftPart(UriPartial.Path)} refused access to {scope}: {(int)response.StatusCode} {response.ReasonPhrase}"
                    + (_config.Username is null ? " (no credentials configured: pass --username/--password or set them in DATA_DIR/registries.json)" : " (check the username and password)"),
                    (int)response.StatusCode, "UNAUTHORIZED");
            }
            try
            {
                using var doc = JsonDocument.Parse(body);
                foreach (var name in new[] { "token", "access_token" })
                {
                    if (doc.RootElement.TryGetProperty(name, out var t) && t.GetString() is { Length: > 0 } token)
                    {
                        return token;
                    }
                }
            }
            catch (JsonException)
            {
            }
            throw new RegistryException($"the token server {realm.GetLeftPart(UriPartial.Path)} answered without a token", 401, "UNAUTHORIZED");
        }
    }

    /// <summary>
    /// Turns a non-success response into a <see cref="RegistryException"/> carrying the registry's error
    /// code and message (<c>{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}</c>).
    /// </summary>
    public static async Task<RegistryException> ErrorAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        string? code = null;
        var detail = $"{status} {response.ReasonPhrase}";
        try
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var first = errors[0];
                code = first.TryGetProperty("code", out var c) ? c.GetString() : null;
                var message = first.TryGetProperty("message", out var m) ? m.GetString() : null;
                detail = $"{code}: {message}";
            }
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or InvalidOperationException)
        {
        }
        var hint = status switch
        {
            401 => " (authentication required: pass --username/--password or set credentials in DATA_DIR/registries.json)",
            403 => " (access denied for these credentials)",
            _ => "",
        };
        return new RegistryException($"{what}: {detail}{hint}", status, code);
    }

    public void Dispose()
    {
        _http.Dispose();
        _insecureTls.Dispose();
    }
}
