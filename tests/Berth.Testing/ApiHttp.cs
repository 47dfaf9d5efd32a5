using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Testing;

/// <summary>Raw HTTPS access to a berth API with the admin client certificate from its kubeconfig (or none).</summary>
public static class ApiHttp
{
    public static HttpClient Create(BerthProcess berth, bool withCredentials = true)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, _, _, _) => true,
        };
        if (withCredentials)
        {
            handler.ClientCertificates.Add(AdminCertificate(berth.Kubeconfig));
        }

        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{berth.Port}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The client certificate and key embedded in a kubeconfig written by berth.</summary>
    public static X509Certificate2 AdminCertificate(string kubeconfig)
    {
        string? cert = null, key = null;
        foreach (var line in File.ReadAllLines(kubeconfig))
        {
            var t = line.Trim();
            if (t.StartsWith("client-certificate-data:", StringComparison.Ordinal))
            {
                cert = Encoding.ASCII.GetString(Convert.FromBase64String(t["client-certificate-data:".Length..].Trim()));
            }
            else if (t.StartsWith("client-key-data:", StringComparison.Ordinal))
            {
                key = Encoding.ASCII.GetString(Convert.FromBase64String(t["client-key-data:".Length..].Trim()));
            }
        }

        using var pem = X509Certificate2.CreateFromPem(cert ?? throw new InvalidDataException("no client certificate in kubeconfig"), key);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public static HttpContent JsonBody(string json, string contentType = "application/json")
    {
        var c = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        c.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return c;
    }

    public static HttpContent RawBody(byte[] bytes, string contentType)
    {
        var c = new ByteArrayContent(bytes);
        c.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return c;
    }

    /// <summary>Parses a Status body, or null when the body is not JSON.</summary>
    public static JsonNode? TryJson(string body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
