using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

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

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        var handler = new HttpClientHandler();
        if (!string.IsNullOrEmpty(config.ClientCertificateData) || !string.IsNullOrEmpty(config.ClientCertificateFilePath))
        {
            handler.ClientCertificates.Add(ClientCertificate(config));
        }

        var ca = config.SslCaCerts;
        handler.ServerCertificateCustomValidationCallback = (_, cert, chain, errors) =>
        {
            if (config.SkipTlsVerify || errors == System.Net.Security.SslPolicyErrors.None)
            {
                return true;
            }

            if (cert is null || chain is null || ca is null || ca.Count == 0)
            {
                return false;
            }

            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.AddRange(ca);
            return chain.Build(cert);
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri(config.Host.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
        if (!string.IsNullOrEmpty(config.AccessToken))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.AccessToken);
        }

        return new VmApi(http);
    }

    private static X509Certificate2 ClientCertificate(KubernetesClientConfiguration config)
    {
        var cert = config.ClientCertificateData is { Length: > 0 } certData
            ? Encoding.ASCII.GetString(Convert.FromBase64String(certData))
            : File.ReadAllText(config.ClientCertificateFilePath);
        var key = config.ClientCertificateKeyData is { Length: > 0 } keyData
            ? Encoding.ASCII.GetString(Convert.FromBase64String(keyData))
            : File.ReadAllText(config.ClientKeyFilePath);
        using var pem = X509Certificate2.CreateFromPem(cert, key);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
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
