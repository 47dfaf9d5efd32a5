using System.Text;

namespace Berth.Server.Pki;

/// <summary>Writes <c>DATA_DIR/kubeconfig</c>: the cluster's CA, the server URL and the admin client certificate.</summary>
public static class Kubeconfig
{
    public static string Render(string server, string caPem, string certPem, string keyPem, string clusterName = "berth", string user = "berth-admin") =>
        $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: {clusterName}
          cluster:
            server: {server}
            certificate-authority-data: {B64(caPem)}
        users:
        - name: {user}
          user:
            client-certificate-data: {B64(certPem)}
            client-key-data: {B64(keyPem)}
        contexts:
        - name: {clusterName}
          context:
            cluster: {clusterName}
            user: {user}
            namespace: default
        current-context: {clusterName}

        """;

    /// <summary>Writes the admin kubeconfig for <paramref name="server"/> (mode 0600).</summary>
    public static string Write(string dataDir, ClusterPki pki, string server)
    {
        var path = Path.Combine(dataDir, "kubeconfig");
        var content = Render(server, ClusterPki.ToPem(pki.Ca), ClusterPki.ToPem(pki.Admin), ClusterPki.KeyToPem(pki.Admin));
        ClusterPki.WriteAtomic(path, content, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.ASCII.GetBytes(s));
}
