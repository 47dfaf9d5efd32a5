using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using ARSoft.Tools.Net.Dns;

namespace Berth.Network.Dns;

/// <summary>
/// The UDP side of <see cref="ClusterDnsServer"/>: an ARSoft <see cref="IServerTransport"/> with a fast path in front.
/// <list type="bullet">
/// <item><c>sockets</c> UDP sockets bound to one address with SO_REUSEPORT (the kernel spreads clients over them by
/// their address and port), each read by a dedicated thread with blocking, allocation-free <c>recvfrom</c>;</item>
/// <item>a query whose answer is in the current <see cref="DnsAnswerCache"/> is answered on that thread: the cached
/// bytes with the query's ID and question copied in, one <c>sendto</c>, no parsing, no allocation;</item>
/// <item>any other datagram becomes a one-query connection handed to ARSoft's <see cref="DnsServer"/> (which
/// parses, calls <see cref="ClusterDnsServer"/>, encodes and truncates for UDP); when the answer is authoritative
/// (from the zone) its encoded bytes are added to the cache of the snapshot the query arrived under.</item>
/// </list>
/// Lifecycle (driven by <see cref="DnsServer"/>): <see cref="Bind"/> creates, binds and starts the loops;
/// <see cref="AcceptConnectionAsync"/> yields the misses; <see cref="Close"/> stops the loops and closes the sockets.
/// </summary>
internal sealed class ReusePortUdpTransport : IServerTransport
{
    private const int SolSocket = 1;
    private const int SoReusePort = 15;
    private readonly IPEndPoint _endpoint;
    private readonly int _socketCount;
    private readonly Func<DnsAnswerCache?> _currentCache;
    private readonly Action<Exception> _onError;
    private readonly Channel<MissConnection> _misses = Channel.CreateBounded<MissConnection>(
        new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly List<Socket> _sockets = [];
    private readonly List<Thread> _threads = [];
    private volatile bool _closed;
    private long _cacheHits;
    private long _malformed;

    public ReusePortUdpTransport(IPEndPoint endpoint, int sockets, Func<DnsAnswerCache?> currentCache, Action<Exception> onError)
    {
        _endpoint = endpoint;
        _socketCount = Math.Max(1, sockets);
        _currentCache = currentCache;
        _onError = onError;
    }

    public long CacheHits => Interlocked.Read(ref _cacheHits);

    /// <summary>Datagrams dropped because they were not DNS messages.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    public ushort DefaultAllowedResponseSize => 512;

    public bool SupportsMultipleResponses => false;

    public bool AllowTruncatedResponses => true;

    public TransportProtocol TransportProtocol => TransportProtocol.Udp;

    public void Bind()
    {
        try
        {
            for (var i = 0; i < _socketCount; i++)
            {
                var s = new Socket(_endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                _sockets.Add(s);
                s.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
                s.ReceiveTimeout = 500; // lets a loop notice Close even where close() does not wake recvfrom
                s.Bind(_endpoint);
            }
        }
        catch
        {
            foreach (var s in _sockets)
            {
                s.Dispose();
            }

            _sockets.Clear();
            throw;
        }

        for (var i = 0; i < _sockets.Count; i++)
        {
            var socket = _sockets[i];
            var t = new Thread(() => ReceiveLoop(socket)) { IsBackground = true, Name = $"berth-dns-udp-{i}" };
            _threads.Add(t);
            t.Start();
        }
    }

    public void Close()
    {
        _closed = true;
        foreach (var s in _sockets)
        {
            s.Dispose();
        }

        foreach (var t in _threads)
        {
            t.Join(TimeSpan.FromSeconds(2));
        }

        _misses.Writer.TryComplete();
    }

    public void Dispose() => Close();

    public async Task<IServerConnection?> AcceptConnectionAsync(CancellationToken token = default)
    {
        try
        {
            return await _misses.Reader.ReadAsync(token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // DnsServer's accept loop ends on its token; returning null (as ARSoft's own transports do) keeps the
            // cancellation out of its async-void loop.
            return null;
        }
    }

    private void ReceiveLoop(Socket socket)
    {
        var query = new byte[DnsQueryKey.MaxQueryLength + 1];
        var key = new byte[DnsQueryKey.MaxQueryLength];
        var reply = new byte[DnsServerLimits.MaxCachedAnswer];
        var from = new SocketAddress(_endpoint.AddressFamily);
        while (!_closed)
        {
            int n;
            try
            {
                n = socket.ReceiveFrom(query, SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted
                                                or SocketError.ConnectionReset or SocketError.MessageSize)
            {
                continue;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                if (!_closed)
                {
                    _onError(e);
                }

                return;
            }

            if (n < 12 || n > DnsQueryKey.MaxQueryLength)
            {
                Interlocked.Increment(ref _malformed);
                continue;
            }

            try
            {
                Handle(socket, query.AsSpan(0, n), from, key, reply);
            }
            catch (Exception e)
            {
                // This thread is the only reader of its socket: one bad datagram must not end it (an exception escaping
                // a thread would end the process). Log and go on.
                _onError(e);
            }
        }
    }

    private void Handle(Socket socket, ReadOnlySpan<byte> query, SocketAddress from, byte[] key, byte[] reply)
    {
        var cache = _currentCache();
        var questionEnd = 0;
        var keyLength = cache is null ? 0 : DnsQueryKey.TryWrite(query, key, out questionEnd);
        if (keyLength > 0 && cache!.TryGet(key.AsSpan(0, keyLength), out var answer))
        {
            answer.CopyTo(reply, 0);
            reply[0] = query[0];
            reply[1] = query[1];
            query[12..questionEnd].CopyTo(reply.AsSpan(12));
            try
            {
                socket.SendTo(reply.AsSpan(0, answer.Length), SocketFlags.None, from);
                Interlocked.Increment(ref _cacheHits);
            }
            catch (SocketException)
            {
                // The client went away (ICMP unreachable surfaced on a later call): nothing to do for UDP.
            }

            return;
        }

        Miss(socket, query, from, keyLength > 0 ? key.AsSpan(0, keyLength).ToArray() : null, cache);
    }

    private void Miss(Socket socket, ReadOnlySpan<byte> query, SocketAddress from, byte[]? key, DnsAnswerCache? cache)
    {
        // ARSoft's raw packages carry a 2-byte length prefix (as on TCP).
        var data = new byte[query.Length + 2];
        data[0] = (byte)(query.Length >> 8);
        data[1] = (byte)query.Length;
        query.CopyTo(data.AsSpan(2));
        var remote = (IPEndPoint)_endpoint.Create(from);
        DnsReceivedRawPackage package;
        try
        {
            package = new DnsReceivedRawPackage(data, remote, _endpoint);
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or FormatException or OverflowException or InvalidOperationException)
        {
            // Not a DNS message (ARSoft reads the question while wrapping it): dropped, as ARSoft's own transport does.
            Interlocked.Increment(ref _malformed);
            return;
        }

        _misses.Writer.TryWrite(new MissConnection(this, socket, package, key, cache));
    }

    /// <summary>One datagram that the fast path could not answer, as ARSoft's server consumes it.</summary>
    private sealed class MissConnection(ReusePortUdpTransport transport, Socket socket, DnsReceivedRawPackage query, byte[]? key, DnsAnswerCache? cache)
        : IServerConnection
    {
        public IServerTransport Transport => transport;

        public IPEndPoint RemoteEndPoint => query.RemoteEndpoint;

        public IPEndPoint LocalEndPoint => query.LocalEndpoint;

        public bool CanRead { get; private set; } = true;

        public Task<bool> InitializeAsync(CancellationToken token) => Task.FromResult(true);

        public Task<DnsReceivedRawPackage?> ReceiveAsync(CancellationToken token)
        {
            CanRead = false;
            return Task.FromResult<DnsReceivedRawPackage?>(query);
        }

        public async Task<bool> SendAsync(DnsRawPackage package, CancellationToken token = default)
        {
            var bytes = package.ToArraySegment(false);

            // Cached before it is sent, so that a client's next query (sent on receipt) finds it.
            if (key is not null && cache is not null && IsCacheable(bytes))
            {
                cache.TryAdd(key, bytes.AsSpan().ToArray());
            }

            try
            {
                await socket.SendToAsync(bytes, SocketFlags.None, query.RemoteEndpoint, token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return false;
            }

            return true;
        }

        public void Dispose()
        {
        }

        /// <summary>Authoritative (AA: answered from the zone, not forwarded), small enough, and with the question at
        /// the same place as in the query, so that the fast path can copy a later query's question over it.</summary>
        private bool IsCacheable(ArraySegment<byte> response)
        {
            var q = query.ToArraySegment(false).AsSpan();
            var r = response.AsSpan();
            if (r.Length > DnsServerLimits.MaxCachedAnswer || r.Length < 12 || (r[2] & 0x04) == 0)
            {
                return false;
            }

            DnsQueryKey.TryWrite(q, stackalloc byte[DnsQueryKey.MaxQueryLength], out var questionEnd);
            return questionEnd > 12 && r.Length >= questionEnd && DnsQueryKey.EqualsIgnoreCase(q[12..questionEnd], r[12..questionEnd])
                   && r[4] == 0 && r[5] == 1;
        }
    }
}
