using System.Net.Sockets;
using System.Security.Authentication;

namespace Berth.Runtime.Oci.Registry;

/// <summary>
/// Words transport failures the way Go's net package does (Docker, containerd and kubelet print
/// those), so that an <c>ErrImagePull</c> message reads the same as on Kubernetes:
/// <c>dial tcp: lookup registry: no such host</c>, <c>dial tcp 127.0.0.1:5000: connect: connection refused</c>.
/// </summary>
public static class NetworkErrors
{
    public static string Describe(Exception e, Uri uri, bool insecure)
    {
        var hostPort = $"{uri.Host}:{uri.Port}";
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case SocketException se:
                    return se.SocketErrorCode switch
                    {
                        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"dial tcp: lookup {uri.Host}: no such host",
                        SocketError.ConnectionRefused => $"dial tcp {hostPort}: connect: connection refused",
                        SocketError.TimedOut => $"dial tcp {hostPort}: i/o timeout",
                        SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"dial tcp {hostPort}: connect: network is unreachable",
                        SocketError.ConnectionReset => $"read tcp {hostPort}: connection reset by peer",
                        _ => $"dial tcp {hostPort}: {se.Message}",
                    };
                case AuthenticationException ae:
                    return $"tls: handshake with {hostPort} failed: {ae.Message}" + (insecure ? "" :
                        $" (if {hostPort} serves plain HTTP, mark it insecure: --insecure-registry {hostPort} or \"insecure\" in DATA_DIR/registries.json; if its certificate comes from a private CA, set \"caFile\" for it there or pass --ca-file)");
                case TaskCanceledException or TimeoutException:
                    return $"Get \"{uri}\": request timed out";
            }
        }
        return $"{uri}: {e.Message}";
    }
}
