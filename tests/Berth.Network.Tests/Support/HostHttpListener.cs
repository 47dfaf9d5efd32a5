using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Berth.Network.Tests.Support;

/// <summary>A one-line HTTP server in the test process (the "node"), answering <see cref="Body"/> to every request.</summary>
internal sealed class HostHttpListener : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();

    public HostHttpListener(IPAddress address, string body)
    {
        Body = body;
        _listener = new TcpListener(address, 0);
        _listener.Start();
        _ = Task.Run(AcceptLoopAsync);
    }

    public string Body { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var response = Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Length: {Body.Length}\r\nConnection: close\r\n\r\n{Body}");
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var c = await _listener.AcceptTcpClientAsync(_stop.Token);
                var s = c.GetStream();
                var buf = new byte[4096];
                _ = await s.ReadAsync(buf, _stop.Token); // the request line is enough: any request gets the body
                await s.WriteAsync(response, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}
