using System.Runtime.CompilerServices;
using System.Text;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mvccpb;

namespace Berth.Store.Etcd;

/// <summary>
/// <see cref="IStore"/> over etcd v3 (3.4 or newer), the distributed engine. Each Berth key is the
/// etcd key <c>Prefix + key</c>; Berth's revisions are etcd's revisions (global to the etcd cluster, so
/// writes outside the prefix advance them too).
/// </summary>
/// <remarks>
/// The mapping is the one kube-apiserver's etcd3 storage uses
/// (k8s.io/apiserver/pkg/storage/etcd3/store.go):
/// <list type="bullet">
/// <item>create: <c>txn(create_revision(k) == 0) then put</c>; failed compare → <see cref="KeyExistsException"/>.</item>
/// <item>update: <c>txn(create_revision(k) &gt; 0 ∧ mod_revision(k) == expected) then put else get</c>;
/// the else branch tells not-found from conflict and carries the current entry.</item>
/// <item>delete: the same compare (without the mod_revision part when expected is 0), then delete with prev_kv.</item>
/// <item>list: range reads of <see cref="EtcdStoreOptions.ListPageSize"/> keys, all pinned to the revision of the first page.</item>
/// <item>watch: one gRPC watch stream per call, from <c>afterRevision + 1</c>, with prev_kv so deletes carry
/// the last value; a broken stream is re-opened from the last delivered revision.</item>
/// <item>compaction: etcd's own (physical); "required revision has been compacted" → <see cref="CompactedException"/>,
/// "required revision is a future revision" → <see cref="FutureRevisionException"/>.</item>
/// </list>
/// etcd does not say where it was compacted, so <see cref="CompactedException.CompactRevision"/> is the
/// highest compaction this process knows of (from its own CompactAsync or a watch's answer), and a
/// watch started exactly one revision below the compaction point is allowed by etcd (the
/// embedded stores refuse it).
/// </remarks>
public sealed partial class EtcdStore : IStore
{
    private static readonly ReadOnlyMemory<byte> _empty = Array.Empty<byte>();
    private readonly EtcdStoreOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly byte[] _root;
    private readonly CancellationTokenSource _disposing = new();
    private GrpcChannel? _channel;
    private KV.KVClient? _kv;
    private Watch.WatchClient? _watch;
    private long _compactRevision;

    public EtcdStore(EtcdStoreOptions options, ILogger<EtcdStore>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoints is not { Count: > 0 })
        {
            throw new ArgumentException("at least one etcd endpoint is required", nameof(options));
        }

        foreach (var endpoint in options.Endpoints)
        {
            if (endpoint.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"etcd endpoint {endpoint} must be http:// or https://", nameof(options));
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.ListPageSize, 1);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _root = Encoding.UTF8.GetBytes(options.Prefix ?? string.Empty);
    }

    private KV.KVClient Kv => _kv ?? throw NotRunning();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_channel is not null)
        {
            throw new InvalidOperationException("the store was already started");
        }

        ObjectDisposedException.ThrowIf(_disposing.IsCancellationRequested, this);
        _channel = CreateChannel();
        _kv = new KV.KVClient(_channel);
        _watch = new Watch.WatchClient(_channel);
        var deadline = _time.GetUtcNow() + _options.ConnectTimeout;
        while (true)
        {
            try
            {
                var revision = await GetCurrentRevisionAsync(cancellationToken);
                LogConnected(_logger, string.Join(",", _options.Endpoints), _options.Prefix, revision);
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && _time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), _time, cancellationToken);
            }
        }
    }

    public async Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken)
    {
        var response = await Kv.RangeAsync(new RangeRequest { Key = Key(string.Empty), CountOnly = true }, cancellationToken: cancellationToken);
        return response.Header.Revision;
    }

    public async Task<StoreEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var response = await Kv.RangeAsync(new RangeRequest { Key = Key(key) }, cancellationToken: cancellationToken);
        return response.Kvs.Count == 0 ? null : ToEntry(response.Kvs[0]);
    }

    public async Task<StoreList> ListAsync(string prefix, long revision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        var (start, end) = Range(prefix);
        var entries = new List<StoreEntry>();
        var at = revision;
        var from = start;
        while (true)
        {
            var request = new RangeRequest { Key = from, RangeEnd = end, Revision = at, Limit = _options.ListPageSize };
            var response = await CallAsync(() => Kv.RangeAsync(request, cancellationToken: cancellationToken), at, cancellationToken);
            if (at == 0)
            {
                at = response.Header.Revision;
            }

            foreach (var kv in response.Kvs)
            {
                entries.Add(ToEntry(kv));
            }

            if (!response.More || response.Kvs.Count == 0)
            {
                return new StoreList(entries, at);
            }

            // The next page starts just after the last key: the key followed by a zero byte.
            from = ByteString.CopyFrom([.. response.Kvs[^1].Key.Span, 0]);
        }
    }

    public async Task<long> CountAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var (start, end) = Range(prefix);
        var response = await Kv.RangeAsync(new RangeRequest { Key = start, RangeEnd = end, CountOnly = true }, cancellationToken: cancellationToken);
        return response.Count;
    }

    public async Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var k = Key(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = k, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = k, Value = ByteString.CopyFrom(value.Span) } });
        var response = await Kv.TxnAsync(txn, cancellationToken: cancellationToken);
        return response.Succeeded ? response.Header.Revision : throw new KeyExistsException(key);
    }

    public async Task<long> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var k = Key(key);
        var txn = GuardedTxn(k, expectedRevision);
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = k, Value = ByteString.CopyFrom(value.Span) } });
        var response = await Kv.TxnAsync(txn, cancellationToken: cancellationToken);
        if (!response.Succeeded)
        {
            throw Failure(key, expectedRevision, response);
        }

        return response.Header.Revision;
    }

    public async Task<(StoreEntry Deleted, long Revision)> DeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var k = Key(key);
        var txn = GuardedTxn(k, expectedRevision);
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = k, PrevKv = true } });
        var response = await Kv.TxnAsync(txn, cancellationToken: cancellationToken);
        if (!response.Succeeded)
        {
            throw Failure(key, expectedRevision, response);
        }

        var previous = response.Responses[0].ResponseDeleteRange.PrevKvs;
        if (previous.Count == 0)
        {
            throw new KeyNotFoundStoreException(key);
        }

        return (ToEntry(previous[0]), response.Header.Revision);
    }

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);
        var client = _watch ?? throw NotRunning();
        var (start, end) = Range(prefix);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        var token = linked.Token;
        var last = afterRevision;
        var failures = 0;
        while (true)
        {
            using var call = client.Watch(cancellationToken: token);
            var create = new WatchCreateRequest { Key = start, RangeEnd = end, StartRevision = last + 1, PrevKv = true };
            var opened = await TryAsync(() => call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, token));
            while (opened is null)
            {
                var (response, error) = await NextAsync(call, token);
                if (response is null)
                {
                    opened = error ?? new RpcException(new Status(StatusCode.Unavailable, "etcd closed the watch stream"));
                    break;
                }

                if (response.CompactRevision != 0)
                {
                    RaiseCompaction(response.CompactRevision);
                    throw new CompactedException(last, response.CompactRevision);
                }

                if (response.Canceled)
                {
                    throw new InvalidOperationException($"etcd cancelled the watch on {prefix}: {response.CancelReason}");
                }

                foreach (var e in response.Events)
                {
                    var converted = ToEvent(e);
                    if (converted.Revision > last)
                    {
                        last = converted.Revision;
                        failures = 0;
                        yield return converted;
                    }
                }
            }

            if (_disposing.IsCancellationRequested)
            {
                yield break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (++failures > _options.WatchReconnectAttempts)
            {
                throw opened;
            }

            LogWatchReconnect(_logger, opened, prefix, last, failures);
            await Task.Delay(TimeSpan.FromMilliseconds(100 * (1 << Math.Min(failures, 6))), _time, token);
        }
    }

    public async Task<long> CompactAsync(long revision, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        try
        {
            await CallAsync(() => Kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, cancellationToken: cancellationToken), revision, cancellationToken);
            RaiseCompaction(revision);
            return revision;
        }
        catch (CompactedException)
        {
            // Already compacted at or past it: nothing to do.
            RaiseCompaction(revision);
            return Volatile.Read(ref _compactRevision);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposing.IsCancellationRequested)
        {
            _disposing.Cancel();
            _channel?.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private GrpcChannel CreateChannel()
    {
        var options = new GrpcChannelOptions
        {
            // A list page of big objects can exceed gRPC's 4 MB default.
            MaxReceiveMessageSize = 256 * 1024 * 1024,
            ThrowOperationCanceledOnCancellation = true,
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            },
            DisposeHttpClient = true,
        };
        var endpoints = _options.Endpoints;
        if (endpoints.Count == 1)
        {
            return GrpcChannel.ForAddress(endpoints[0], options);
        }

        // Several members: a static resolver with round-robin balancing, as dotnet-etcd's own client does.
        options.Credentials = endpoints[0].Scheme == "https" ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        var addresses = endpoints.Select(e => new BalancerAddress(e.Host, e.Port)).ToArray();
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses));
        options.ServiceProvider = services.BuildServiceProvider();
        options.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
        return GrpcChannel.ForAddress("static:///etcd", options);
    }

    private ByteString Key(string key)
    {
        var bytes = new byte[_root.Length + Encoding.UTF8.GetByteCount(key)];
        _root.CopyTo(bytes, 0);
        Encoding.UTF8.GetBytes(key, bytes.AsSpan(_root.Length));
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    private (ByteString Start, ByteString End) Range(string prefix)
    {
        _ = KeyPrefix.RangeEnd(prefix);
        var start = Key(prefix);
        var end = UnsafeByteOperations.UnsafeWrap(KeyPrefix.RangeEnd(start.Span));
        return (start.Length == 0 ? UnsafeByteOperations.UnsafeWrap(new byte[] { 0 }) : start, end);
    }

    private string UserKey(ByteString key) => Encoding.UTF8.GetString(key.Span[_root.Length..]);

    private StoreEntry ToEntry(KeyValue kv) => new(UserKey(kv.Key), kv.Value.Memory, kv.CreateRevision, kv.ModRevision);

    private WatchEvent ToEvent(Event e)
    {
        var kv = e.Kv;
        ReadOnlyMemory<byte>? previous = e.PrevKv is null ? default(ReadOnlyMemory<byte>?) : e.PrevKv.Value.Memory;
        if (e.Type == Event.Types.EventType.Delete)
        {
            return new WatchEvent(WatchEventType.Deleted, UserKey(kv.Key), previous ?? _empty, kv.ModRevision, e.PrevKv?.CreateRevision ?? 0, previous);
        }

        var type = kv.CreateRevision == kv.ModRevision ? WatchEventType.Created : WatchEventType.Updated;
        return new WatchEvent(type, UserKey(kv.Key), kv.Value.Memory, kv.ModRevision, kv.CreateRevision, previous);
    }

    /// <summary>A txn guarded by "the key exists" and, unless <paramref name="expectedRevision"/> is 0, "it is at that revision"; its else branch reads the key.</summary>
    private static TxnRequest GuardedTxn(ByteString key, long expectedRevision)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Greater, CreateRevision = 0 });
        if (expectedRevision != 0)
        {
            txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedRevision });
        }

        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = key } });
        return txn;
    }

    private StoreException Failure(string key, long expectedRevision, TxnResponse response)
    {
        var current = response.Responses[0].ResponseRange.Kvs;
        return current.Count == 0
            ? new KeyNotFoundStoreException(key)
            : new RevisionConflictException(key, expectedRevision, ToEntry(current[0]));
    }

    private async Task<T> CallAsync<T>(Func<AsyncUnaryCall<T>> call, long revision, CancellationToken cancellationToken)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.OutOfRange && e.Status.Detail.Contains("compacted", StringComparison.Ordinal))
        {
            RaiseCompaction(revision + 1);
            throw new CompactedException(revision, Volatile.Read(ref _compactRevision));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.OutOfRange && e.Status.Detail.Contains("future revision", StringComparison.Ordinal))
        {
            throw new FutureRevisionException(revision, await GetCurrentRevisionAsync(cancellationToken));
        }
    }

    private static async Task<Exception?> TryAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
        catch (InvalidOperationException e)
        {
            return e;
        }
        catch (OperationCanceledException e)
        {
            return e;
        }
    }

    /// <summary>The next response of a watch stream; (null, null) at its end or when <paramref name="token"/> fired, (null, error) when it broke.</summary>
    private static async Task<(WatchResponse? Response, Exception? Error)> NextAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, CancellationToken token)
    {
        try
        {
            return await call.ResponseStream.MoveNext(token) ? (call.ResponseStream.Current, null) : (null, null);
        }
        catch (RpcException e)
        {
            return (null, e);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return (null, null);
        }
        catch (OperationCanceledException e)
        {
            return (null, e);
        }
    }

    private void RaiseCompaction(long revision)
    {
        var seen = Volatile.Read(ref _compactRevision);
        while (revision > seen)
        {
            var previous = Interlocked.CompareExchange(ref _compactRevision, revision, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    private Exception NotRunning() => _disposing.IsCancellationRequested
        ? new ObjectDisposedException(nameof(EtcdStore))
        : new InvalidOperationException("the store has not been started (call StartAsync)");

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "etcd store connected to {Endpoints} (key prefix '{Prefix}') at revision {Revision}")]
    private static partial void LogConnected(ILogger logger, string endpoints, string prefix, long revision);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "etcd watch on '{Prefix}' broke after revision {Revision}; reopening (attempt {Attempt})")]
    private static partial void LogWatchReconnect(ILogger logger, Exception exception, string prefix, long revision, int attempt);
}
