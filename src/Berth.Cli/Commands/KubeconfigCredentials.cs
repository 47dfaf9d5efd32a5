using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Server.Http;

namespace Berth.Cli.Commands;

/// <summary>
/// What the <c>berth</c> verbs need of a kubeconfig: the current context's server, the CA to trust, and the
/// client certificate or bearer token (inline <c>*-data</c> or file paths relative to the kubeconfig, as kubectl
/// reads them). Read with YamlDotNet's representation model rather than <c>KubernetesClientConfiguration</c>,
/// whose YAML path reflects over its types and fails in the native build.
/// </summary>
public sealed record KubeconfigCredentials
{
    public required string Server { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>PEM of the cluster's CA, or null to use the system's trust.</summary>
    public string? CertificateAuthorityPem { get; init; }

    public string? ClientCertificatePem { get; init; }

    public string? ClientKeyPem { get; init; }

    public string? Token { get; init; }

    /// <summary>Reads <paramref name="path"/>; throws <see cref="FormatException"/> naming what is missing or malformed.</summary>
    public static KubeconfigCredentials Load(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var root = YamlJson.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new FormatException($"{path}: not a kubeconfig (no mapping at the top)");
        var contextName = Text(root, "current-context") ?? throw new FormatException($"{path}: no current-context");
        var context = Named(root, "contexts", contextName, "context", path);
        var clusterName = Text(context, "cluster") ?? throw new FormatException($"{path}: context {contextName} names no cluster");
        var cluster = Named(root, "clusters", clusterName, "cluster", path);
        var userName = Text(context, "user");
        var user = userName is null ? new JsonObject() : Named(root, "users", userName, "user", path);

        return new KubeconfigCredentials
        {
            Server = Text(cluster, "server") ?? throw new FormatException($"{path}: cluster {clusterName} has no server"),
            InsecureSkipTlsVerify = cluster["insecure-skip-tls-verify"] is JsonValue v && v.TryGetValue<bool>(out var skip) && skip,
            CertificateAuthorityPem = Pem(cluster, "certificate-authority", dir),
            ClientCertificatePem = Pem(user, "client-certificate", dir),
            ClientKeyPem = Pem(user, "client-key", dir),
            Token = Text(user, "token") ?? (Text(user, "tokenFile") is { } tokenFile ? File.ReadAllText(Resolve(tokenFile, dir)).Trim() : null),
        };
    }

    /// <summary>The client certificate with its key, or null when the kubeconfig has none.</summary>
    public X509Certificate2? ClientCertificate()
    {
        if (ClientCertificatePem is null || ClientKeyPem is null)
        {
            return null;
        }

        using var pem = X509Certificate2.CreateFromPem(ClientCertificatePem, ClientKeyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The CA certificates to trust, empty when the kubeconfig names none.</summary>
    public X509Certificate2Collection CertificateAuthorities()
    {
        var certs = new X509Certificate2Collection();
        if (CertificateAuthorityPem is not null)
        {
            certs.ImportFromPem(CertificateAuthorityPem);
        }

        return certs;
    }

    private static JsonObject Named(JsonObject root, string list, string name, string field, string path) =>
        (root[list] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(e => Text(e, "name") == name)?[field] as JsonObject
        ?? throw new FormatException($"{path}: no {field} named {name} in {list}");

    private static string? Text(JsonObject obj, string field) =>
        obj[field] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    /// <summary><c>FIELD-data</c> (base64 PEM) or <c>FIELD</c> (a file path, relative to the kubeconfig).</summary>
    private static string? Pem(JsonObject obj, string field, string dir) =>
        Text(obj, field + "-data") is { } data
            ? Encoding.ASCII.GetString(Convert.FromBase64String(data))
            : Text(obj, field) is { } file ? File.ReadAllText(Resolve(file, dir)) : null;

    private static string Resolve(string file, string dir) => Path.IsPathRooted(file) ? file : Path.Combine(dir, file);
}
