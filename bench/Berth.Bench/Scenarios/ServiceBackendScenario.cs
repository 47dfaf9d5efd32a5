using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Berth.Bench.Scenarios;

/// <summary>
/// A tiny HTTP/1.1 keep-alive server answering "ok" to every request, which <c>service</c> starts inside a pod's
/// network namespace (<c>ip netns exec NS Berth.Bench service-backend PORT</c>). Not a benchmark by itself.
/// </summary>
public sealed class ServiceBackendScenario : IScenario
{
    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok");

    public string Name => "service-backend";

    public string Description => "(helper of 'service') HTTP keep-alive server: service-backend PORT";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var port = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Any, port));
        listener.Listen(1024);
        Console.WriteLine($"listening on {port}");
        while (!cancellationToken.IsCancellationRequested)
        {
            var s = await listener.AcceptAsync(cancellationToken);
            s.NoDelay = true;
            _ = ServeAsync(s, cancellationToken);
        }

        return 0;
    }

    private static async Task ServeAsync(Socket s, CancellationToken ct)
    {
        var buf = new byte[8192];
        var have = 0;
        try
        {
            while (true)
            {
                var n = await s.ReceiveAsync(buf.AsMemory(have), ct);
                if (n == 0)
                {
                    break;
                }

                have += n;
                int end;
                while ((end = buf.AsSpan(0, have).IndexOf("\r\n\r\n"u8)) >= 0)
                {
                    await s.SendAsync(Response, ct);
                    var rest = have - (end + 4);
                    buf.AsSpan(end + 4, rest).CopyTo(buf);
                    have = rest;
                }

                if (have == buf.Length)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
        }
        finally
        {
            s.Dispose();
        }
    }
}
