using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Network.Dns;

/// <summary>
/// The node's cluster DNS: answers names in the cluster domain from a <see cref="ClusterDnsZone"/> snapshot
/// (replaced atomically by <see cref="Update"/>) and forwards every other name to the upstream resolvers, over
/// UDP and TCP (ARSoft.Tools.Net does the wire format).
/// <para>
/// Answers, as CoreDNS' kubernetes plugin gives them: a known name with records of the asked type ⇒ NOERROR with
/// them (authoritative); a known name without them (AAAA on an IPv4-only cluster) ⇒ NOERROR, no answer, the SOA
/// in authority; an unknown name in the cluster domain ⇒ NXDOMAIN with the SOA; PTR for cluster addresses;
/// anything else ⇒ forwarded (upstream's answer and code passed through; SERVFAIL when no upstream answers).
/// </para>
/// <para>
/// UDP, where nearly all queries come, goes through <see cref="ReusePortUdpTransport"/>: several SO_REUSEPORT sockets
/// read by dedicated threads, and an answer cache of encoded responses for cluster names, tied to the zone snapshot
/// (an <see cref="Update"/> swaps both at once, so a cached answer never outlives the records it came from). A cache
/// hit costs one <c>recvfrom</c>, a dictionary lookup and one <c>sendto</c>; everything else goes through ARSoft's
/// <see cref="DnsServer"/> as before. TCP is ARSoft's transport.
/// </para>
/// Lifecycle: construct → <see cref="Start"/> (binds; throws if an address is taken) → <see cref="Update"/> any
/// number of times, from any thread → <see cref="DisposeAsync"/> (unbinds).
/// </summary>
public sealed class ClusterDnsServer : IAsyncDisposable
{
    private readonly ClusterDnsOptions _options;
    private readonly ILogger _logger;
    private readonly DnsClient? _upstream;
    private readonly DomainName _zoneName;
    private readonly SoaRecord _soa;
    private readonly IReadOnlyList<IPEndPoint> _upstreamEndpoints;
    private readonly List<ReusePortUdpTransport> _udp = [];
    private DnsServer? _server;
    private volatile Snapshot _snapshot;
    private long _queries;
    private long _forwarded;

    public ClusterDnsServer(ClusterDnsOptions options, ILogger<ClusterDnsServer>? logger = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _snapshot = NewSnapshot(ClusterDnsZone.Build([], options.ClusterDomain));
        var domain = _snapshot.Zone.Domain;
        _zoneName = DomainName.Parse(domain);
        _soa = new SoaRecord(_zoneName, options.Ttl, DomainName.Parse("ns.dns." + domain), DomainName.Parse("hostmaster." + domain), 1, 7200, 1800, 86400, options.Ttl);
        var upstreams = options.Upstreams ?? ResolvConf.Parse(ReadHostResolvConf()).Nameservers.Select(a => new IPEndPoint(a, 53)).ToList();
        _upstreamEndpoints = upstreams;
        if (upstreams.Count > 0)
        {
            // ARSoft's client transports take one port: all upstreams are asked on the first one's port.
            var port = upstreams[0].Port;
            _upstream = new DnsClient(upstreams.Select(u => u.Address), [new UdpClientTransport(port), new TcpClientTransport(port)], false, (int)options.ForwardTimeout.TotalMilliseconds)
            {
                IsResponseValidationEnabled = true,
            };
        }
    }

    /// <summary>Queries answered, from the cache or not.</summary>
    public long QueryCount => Interlocked.Read(ref _queries) + CacheHits;

    public long ForwardedCount => Interlocked.Read(ref _forwarded);

    /// <summary>UDP queries answered from the answer cache.</summary>
    public long CacheHits
    {
        get
        {
            lock (_udp)
            {
                return _udp.Sum(t => t.CacheHits);
            }
        }
    }

    /// <summary>Binds the listeners and starts answering.</summary>
    public void Start()
    {
        var transports = new List<IServerTransport>();
        foreach (var ep in _options.Listen)
        {
            if (_options.UdpSockets > 0)
            {
                var udp = new ReusePortUdpTransport(ep, _options.UdpSockets, () => _snapshot.Cache, e => ClusterDnsLog.ServerError(_logger, e));
                lock (_udp)
                {
                    _udp.Add(udp);
                }

                transports.Add(udp);
            }
            else
            {
                transports.Add(new UdpServerTransport(ep, 5000));
            }

            transports.Add(new TcpServerTransport(ep, 5000, 120000));
        }

        _server = new DnsServer([.. transports]);
        _server.QueryReceived += OnQueryAsync;
        _server.ExceptionThrown += (_, e) =>
        {
            ClusterDnsLog.ServerError(_logger, e.Exception);
            return Task.CompletedTask;
        };
        try
        {
            _server.Start();
        }
        catch
        {
            // DnsServer binds its transports one after the other: release those bound before the one that failed.
            foreach (var t in transports)
            {
                try
                {
                    t.Close();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                }
            }

            _server = null;
            lock (_udp)
            {
                _udp.Clear();
            }

            throw;
        }

        ClusterDnsLog.Started(_logger, string.Join(", ", _options.Listen), _upstream is null ? "none" : string.Join(", ", _upstreamEndpoints));
    }

    /// <summary>Replaces every cluster record with those of <paramref name="services"/> (and drops every cached answer).</summary>
    public void Update(IEnumerable<DnsService> services) => _snapshot = NewSnapshot(ClusterDnsZone.Build(services, _options.ClusterDomain));

    public ValueTask DisposeAsync()
    {
        _server?.Stop();
        _server = null;
        lock (_udp)
        {
            _udp.Clear();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The answer to <paramref name="query"/> (one question, as resolvers send).</summary>
    internal async Task<DnsMessage> AnswerAsync(DnsMessage query, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _queries);
        var response = query.CreateResponseInstance();
        response.IsRecursionAllowed = true;
        if (query.Questions.Count != 1 || query.OperationCode != OperationCode.Query)
        {
            response.ReturnCode = query.OperationCode == OperationCode.Query ? ReturnCode.FormatError : ReturnCode.NotImplemented;
            return response;
        }

        var q = query.Questions[0];
        var name = q.Name.ToString(true).TrimEnd('.').ToLowerInvariant();
        var zone = _snapshot.Zone;
        if (zone.IsInZone(name))
        {
            AnswerFromZone(zone, q, name, response);
            return response;
        }

        if (q.RecordType == RecordType.Ptr && zone.Ptr(name) is { } target)
        {
            response.IsAuthoritiveAnswer = true;
            response.AnswerRecords.Add(new PtrRecord(q.Name, _options.Ttl, DomainName.Parse(target)));
            return response;
        }

        return await ForwardAsync(query, q, response, cancellationToken).ConfigureAwait(false);
    }

    private void AnswerFromZone(ClusterDnsZone zone, DnsQuestion q, string name, DnsMessage response)
    {
        response.IsAuthoritiveAnswer = true;
        if (!zone.Exists(name))
        {
            response.ReturnCode = ReturnCode.NxDomain;
            response.AuthorityRecords.Add(_soa);
            return;
        }

        if (zone.Cname(name) is { } cname)
        {
            // ExternalName: a CNAME whatever the type (RFC 1034 §3.6.2); the client resolves the target itself.
            response.AnswerRecords.Add(new CNameRecord(q.Name, _options.Ttl, DomainName.Parse(cname)));
            return;
        }

        switch (q.RecordType)
        {
            case RecordType.A or RecordType.Any:
                foreach (var a in zone.A(name))
                {
                    response.AnswerRecords.Add(new ARecord(q.Name, _options.Ttl, a));
                }

                break;
            case RecordType.Srv:
                foreach (var (port, target) in zone.Srv(name))
                {
                    var targetName = DomainName.Parse(target);
                    response.AnswerRecords.Add(new SrvRecord(q.Name, _options.Ttl, 0, 100, (ushort)port, targetName));
                    foreach (var a in zone.A(target))
                    {
                        response.AdditionalRecords.Add(new ARecord(targetName, _options.Ttl, a));
                    }
                }

                break;
        }

        if (response.AnswerRecords.Count == 0)
        {
            response.AuthorityRecords.Add(_soa);
        }
    }

    private async Task<DnsMessage> ForwardAsync(DnsMessage query, DnsQuestion q, DnsMessage response, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _forwarded);
        if (_upstream is null)
        {
            response.ReturnCode = ReturnCode.ServerFailure;
            return response;
        }

        try
        {
            var upstream = await _upstream.ResolveAsync(q.Name, q.RecordType, q.RecordClass, new DnsQueryOptions { IsRecursionDesired = query.IsRecursionDesired, IsEDnsEnabled = true }, cancellationToken).ConfigureAwait(false);
            if (upstream is null)
            {
                response.ReturnCode = ReturnCode.ServerFailure;
                return response;
            }

            response.ReturnCode = upstream.ReturnCode;
            response.AnswerRecords.AddRange(upstream.AnswerRecords);
            response.AuthorityRecords.AddRange(upstream.AuthorityRecords);
            return response;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ClusterDnsLog.ForwardFailed(_logger, q.Name.ToString(), e.Message);
            response.ReturnCode = ReturnCode.ServerFailure;
            return response;
        }
    }

    private async Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is DnsMessage query)
        {
            e.Response = await AnswerAsync(query).ConfigureAwait(false);
        }
    }

    private Snapshot NewSnapshot(ClusterDnsZone zone) =>
        new(zone, _options.AnswerCacheSize > 0 && _options.UdpSockets > 0 ? new DnsAnswerCache(_options.AnswerCacheSize) : null);

    private static string ReadHostResolvConf() => File.Exists("/etc/resolv.conf") ? File.ReadAllText("/etc/resolv.conf") : "";

    /// <summary>The zone and the answers encoded from it: replaced together, never one without the other.</summary>
    private sealed record Snapshot(ClusterDnsZone Zone, DnsAnswerCache? Cache);
}
