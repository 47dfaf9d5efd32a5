using System.Net;
using System.Text;

namespace Berth.Runtime.Oci.Tests.Registry;

/// <summary>
/// A registry front door that demands bearer tokens, as Docker Hub does: /v2/* without a valid
/// token answers 401 with <c>WWW-Authenticate: Bearer realm=…/token,service=…,scope=…</c>; /token
/// hands a token for the scope to a client with the right basic credentials. Everything else is
/// forwarded to the real docker-registry behind it (HttpListener in-process, loopback only).
/// </summary>
internal sealed class TokenAuthProxy : IAsyncDisposable
{
    public const string User = "bt-user";
    public const string Password = "bt-pass";

    private readonly HttpListener _listener = new();
    private readonly HttpClient _backend = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly string _backendBase;
    private readonly Task _loop;
    private int _tokensIssued;

    public TokenAuthProxy(string backendHost)
    {
        _backendBase = $"http://{backendHost}";
        Port = TestEnvironment.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public int TokensIssued => _tokensIssued;

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(ctx));
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        var req = ctx.Request;
        var res = ctx.Response;
        try
        {
            var path = req.Url!.AbsolutePath;
            if (path == "/token")
            {
                var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
                if (req.Headers["Authorization"] != expected)
                {
                    res.StatusCode = 401;
                    return;
                }
                Interlocked.Increment(ref _tokensIssued);
                var scopes = string.Join('|', req.QueryString.GetValues("scope") ?? []);
                var body = Encoding.UTF8.GetBytes($"{{\"token\":\"tok:{scopes}\",\"expires_in\":300}}");
                res.ContentType = "application/json";
                await res.OutputStream.WriteAsync(body);
                return;
            }
            var scopeNeeded = ScopeFor(path, req.HttpMethod);
            var auth = req.Headers["Authorization"];
            if (scopeNeeded is not null && !(auth is not null && auth.StartsWith("Bearer tok:", StringComparison.Ordinal) && Covers(auth["Bearer tok:".Length..], scopeNeeded)))
            {
                res.StatusCode = 401;
                res.AddHeader("WWW-Authenticate", $"Bearer realm=\"http://{Host}/token\",service=\"bt-registry\",scope=\"{scopeNeeded}\"");
                res.ContentType = "application/json";
                await res.OutputStream.WriteAsync("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}"u8.ToArray());
                return;
            }
            using var forward = new HttpRequestMessage(new HttpMethod(req.HttpMethod), _backendBase + req.Url.PathAndQuery);
            if (req.HasEntityBody || req.HttpMethod is "PUT" or "PATCH" or "POST")
            {
                var ms = new MemoryStream();
                await req.InputStream.CopyToAsync(ms);
                forward.Content = new ByteArrayContent(ms.ToArray());
                foreach (var h in new[] { "Content-Type", "Content-Range" })
                {
                    if (req.Headers[h] is { } v)
                    {
                        forward.Content.Headers.TryAddWithoutValidation(h, v);
                    }
                }
            }
            if (req.Headers["Accept"] is { } accept)
            {
                forward.Headers.TryAddWithoutValidation("Accept", accept);
            }
            using var answer = await _backend.SendAsync(forward);
            res.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
            {
                if (name is "Content-Length" or "Transfer-Encoding" or "Connection" or "Date" or "Server")
                {
                    continue;
                }
                var value = string.Join(",", values);
                res.AddHeader(name, name == "Location" ? value.Replace(_backendBase, $"http://{Host}", StringComparison.Ordinal) : value);
            }
            var bytes = await answer.Content.ReadAsByteArrayAsync();
            if (bytes.Length > 0 && req.HttpMethod != "HEAD")
            {
                res.ContentLength64 = bytes.Length;
                await res.OutputStream.WriteAsync(bytes);
            }
            else if (answer.Content.Headers.ContentLength is { } len && req.HttpMethod == "HEAD")
            {
                res.ContentLength64 = len;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or HttpRequestException)
        {
            res.StatusCode = 502;
        }
        finally
        {
            try
            {
                res.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>repository:NAME:pull for reads, :pull,push for writes; null for /v2/ itself (answered anonymously like a ping would not be, so it is protected too).</summary>
    private static string? ScopeFor(string path, string method)
    {
        if (!path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            return null;
        }
        var rest = path[4..];
        foreach (var marker in new[] { "/manifests/", "/blobs/" })
        {
            var i = rest.IndexOf(marker, StringComparison.Ordinal);
            if (i > 0)
            {
                var name = rest[..i];
                return $"repository:{name}:" + (method is "GET" or "HEAD" ? "pull" : "pull,push");
            }
        }
        return "registry:catalog:*";
    }

    private static bool Covers(string granted, string needed) => granted.Split('|').Any(g => CoversOne(g, needed));

    private static bool CoversOne(string granted, string needed)
    {
        if (granted == needed)
        {
            return true;
        }
        var g = granted.Split(':');
        var n = needed.Split(':');
        return g.Length == 3 && n.Length == 3 && g[1] == n[1] && n[2].Split(',').All(a => g[2].Split(',').Contains(a));
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone: Stop() then Close() makes the managed HttpListener remove its prefix twice, and the second
        // removal binds the port again to look it up ("Address already in use" when another socket took it).
        try
        {
            _listener.Close();
        }
        catch (HttpListenerException)
        {
        }

        await _loop;
        _backend.Dispose();
    }
}
