using System.Net.Sockets;
using Berth.Agent.Pods;
using k8s.Models;

namespace Berth.Agent.Probes;

/// <summary>
/// Runs one probe or lifecycle handler as the kubelet's prober does (pkg/probe): exec in the container (exit code 0
/// succeeds), httpGet to the pod IP (status 200–399 succeeds; the kubelet's User-Agent and headers), tcpSocket
/// (a connection succeeds), each within timeoutSeconds. Returns the outcome and the output or error the kubelet
/// puts into its "probe failed" events.
/// </summary>
internal sealed class ProbeRunner(IPodRuntime runtime)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<(bool Ok, string Output)> RunAsync(V1Probe probe, V1Container container, string containerId, string podIp, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1));
        if (probe.Exec is { } exec)
        {
            return await ExecAsync(exec.Command ?? [], containerId, timeout, ct);
        }

        if (probe.HttpGet is { } http)
        {
            return await HttpAsync(http, container, podIp, timeout, ct);
        }

        if (probe.TcpSocket is { } tcp)
        {
            return await TcpAsync(tcp.Host is { Length: > 0 } h ? h : podIp, Port(tcp.Port, container), timeout, ct);
        }

        if (probe.Grpc is not null)
        {
            return (false, "grpc probes are not supported by Berth yet");
        }

        return (false, "probe has no handler");
    }

    /// <summary>A lifecycle hook (postStart/preStop): exec, httpGet or sleep, within <paramref name="timeout"/>.</summary>
    public async Task<(bool Ok, string Output)> RunHandlerAsync(V1LifecycleHandler handler, V1Container container, string containerId, string podIp, TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        if (handler.Exec is { } exec)
        {
            return await ExecAsync(exec.Command ?? [], containerId, timeout, ct);
        }

        if (handler.HttpGet is { } http)
        {
            return await HttpAsync(http, container, podIp, timeout, ct);
        }

        if (handler.Sleep is { } sleep)
        {
            var d = TimeSpan.FromSeconds(Math.Min(sleep.Seconds, timeout.TotalSeconds));
            await Task.Delay(d, time, ct);
            return (true, "");
        }

        if (handler.TcpSocket is { } tcp)
        {
            return await TcpAsync(tcp.Host is { Length: > 0 } h ? h : podIp, Port(tcp.Port, container), timeout, ct);
        }

        return (false, "handler has no action");
    }

    private async Task<(bool, string)> ExecAsync(IList<string> command, string containerId, TimeSpan timeout, CancellationToken ct)
    {
        if (command.Count == 0)
        {
            return (false, "exec probe has no command");
        }

        try
        {
            var (code, output) = await runtime.ExecCaptureAsync(containerId, [.. command], timeout, ct);
            return (code == 0, code == 0 ? output : output.Length > 0 ? output.TrimEnd() : $"command \"{string.Join(" ", command)}\" exited with {code}");
        }
        catch (TimeoutException)
        {
            return (false, $"command \"{string.Join(" ", command)}\" timed out");
        }
        catch (Exception e) when (e is Berth.Runtime.Oci.Runtime.ContainerRuntimeException or IOException)
        {
            return (false, e.Message);
        }
    }

    private static async Task<(bool, string)> HttpAsync(V1HTTPGetAction http, V1Container container, string podIp, TimeSpan timeout, CancellationToken ct)
    {
        var host = http.Host is { Length: > 0 } h ? h : podIp;
        var port = Port(http.Port, container);
        var scheme = (http.Scheme ?? "HTTP").ToLowerInvariant();
        var path = string.IsNullOrEmpty(http.Path) ? "/" : http.Path.StartsWith('/') ? http.Path : "/" + http.Path;
        var url = $"{scheme}://{host}:{port}{path}";
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("User-Agent", "kube-probe/1.32");
            request.Headers.TryAddWithoutValidation("Accept", "*/*");
            foreach (var header in http.HttpHeaders ?? [])
            {
                if (header.Name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                {
                    request.Headers.Host = header.Value;
                }
                else
                {
                    request.Headers.Remove(header.Name);
                    request.Headers.TryAddWithoutValidation(header.Name, header.Value);
                }
            }

            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var code = (int)response.StatusCode;
            return code is >= 200 and < 400 ? (true, "") : (false, $"HTTP probe failed with statuscode: {code}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
        }
        catch (HttpRequestException e)
        {
            return (false, $"Get \"{url}\": {Describe(e.InnerException as SocketException, host, port) ?? e.Message}");
        }
    }

    private static async Task<(bool, string)> TcpAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, port, cts.Token);
            return (true, "");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"dial tcp {host}:{port}: i/o timeout");
        }
        catch (SocketException e)
        {
            return (false, Describe(e, host, port)!);
        }
    }

    private static string? Describe(SocketException? e, string host, int port) => e?.SocketErrorCode switch
    {
        null => null,
        SocketError.ConnectionRefused => $"dial tcp {host}:{port}: connect: connection refused",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"dial tcp {host}:{port}: connect: no route to host",
        SocketError.TimedOut => $"dial tcp {host}:{port}: i/o timeout",
        _ => $"dial tcp {host}:{port}: {e.Message}",
    };

    /// <summary>A probe port: a number, or the name of one of the container's ports.</summary>
    public static int Port(IntOrString? port, V1Container container)
    {
        var value = port?.Value ?? "";
        if (int.TryParse(value, out var n))
        {
            return n;
        }

        return (container.Ports ?? []).FirstOrDefault(p => p.Name == value)?.ContainerPort
            ?? throw new ContainerConfigException($"port \"{value}\" not found in container {container.Name}");
    }
}
