using System.Net;
using System.Net.Sockets;

namespace Berth.Bench.Scenarios;

/// <summary>
/// The user-space alternative measured against kernel NAT (docs/adr/0001-service-data-plane.md): accept on a local
/// port, connect to a backend, copy both ways. The shape of kube-proxy's retired "userspace" mode, without its
/// iptables redirect (which only adds to its cost).
/// </summary>
public sealed class ServiceUserspaceProxy(IPEndPoint listen, IReadOnlyList<IPEndPoint> backends) : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private int _next;

    public void Start()
    {
        _listener.Bind(listen);
        _listener.Listen(1024);
        _ = AcceptLoopAsync();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync(_stop.Token);
                _ = RelayAsync(client);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task RelayAsync(Socket client)
    {
        using var c = client;
        using var b = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            c.NoDelay = true;
            b.NoDelay = true;
            await b.ConnectAsync(backends[Interlocked.Increment(ref _next) % backends.Count], _stop.Token);
            await Task.WhenAny(CopyAsync(c, b), CopyAsync(b, c));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task CopyAsync(Socket from, Socket to)
    {
        var buf = new byte[16384];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buf, _stop.Token)) > 0)
            {
                await to.SendAsync(buf.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        try
        {
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
