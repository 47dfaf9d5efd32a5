using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Cli.Commands;

/// <summary>
/// Plain HTTPS requests to the API server a kubeconfig names, authenticated as the kubeconfig says (client
/// certificate or bearer token) and trusting only its CA, for the <c>berth vm</c> verbs (which need KubeVirt's
/// subresource paths, not a typed client).
/// </summary>
public sealed class VmApi : IDisposable
{
    private readonly HttpClient _http;

    private VmApi(HttpClient http) => _http = http;

    /// <summary>A client for the server of <paramref name="kubeconfig"/>; throws <see cref="FileNotFoundException"/> when it does not exist.</summary>
    public static VmApi FromKubeconfig(string kubeconfig)
    {
        if (!File.Exists(kubeconfig))
        {
            throw new FileNotFoundException($"no kubeconfig at {kubeconfig} (give --data-dir DIR of `berth up`, --kubeconfig FILE, or set KUBECONFIG)", kubeconfig);
        }

        KubeconfigCredentials config;
        try
        {
            config = KubeconfigCredentials.Load(kubeconfig);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"cannot read the kubeconfig: {e.Message}", e);
        }

        var handler = new HttpClientHandler();
        if (config.ClientCertificate() is { } clientCertificate)
        {
            handler.ClientCertificates.Add(clientCertificate);
        }

        var ca = config.CertificateAuthorities();
        handler.ServerCertificateCustomValidationCallback = (_, cert, chain, errors) =>
        {
            if (config.InsecureSkipTlsVerify || errors == System.Net.Security.SslPolicyErrors.None)
            {
                return true;
            }

            if (cert is null || chain is null || ca.Count == 0)
            {
                return false;
            }

            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.AddRange(ca);
            return chain.Build(cert);
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri(config.Server.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
        if (config.Token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.Token);
        }

        return new VmApi(http);
    }

    /// <summary>Sends a request; returns the status code and the parsed body (null when empty or not JSON).</summary>
    public async Task<(int Code, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        JsonNode? body = null;
        if (text.Length > 0)
        {
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }

        return ((int)response.StatusCode, body);
    }

    /// <summary>The <c>message</c> of a Status body, or the HTTP code.</summary>
    public static string Message(int code, JsonNode? body) =>
        body?["message"]?.GetValue<string>() is { Length: > 0 } m ? m : $"the server answered {code}";

    public void Dispose() => _http.Dispose();
}
