using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Logging;

namespace Berth.Agent.Events;

/// <summary>
/// Records the kubelet's events about pods (Pulling, Pulled, Created, Started, Killing, BackOff, Failed, Unhealthy)
/// as core/v1 Events from <c>source.component: kubelet</c> on this node. Like client-go's event correlator, an event
/// equal to a recent one (same object, field path, type, reason and message) bumps that one's <c>count</c> and
/// <c>lastTimestamp</c> instead of creating another. Writes happen on a background loop, so recording never
/// waits on the API; when the queue is full, events are dropped (as client-go's broadcaster does).
/// </summary>
public sealed partial class EventRecorder : IAsyncDisposable
{
    private const int MaxRemembered = 4096;
    private readonly IApiClient _api;
    private readonly string _node;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ResourceType _events = ResourceRegistry.Default.Find("", "v1", "events")!;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Dictionary<string, (string Ns, string Name, long Count)> _recent = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public EventRecorder(IApiClient api, string node, TimeProvider time, ILogger logger)
    {
        _api = api;
        _node = node;
        _time = time;
        _logger = logger;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>An event about pod <paramref name="ns"/>/<paramref name="name"/>; <paramref name="container"/> sets the field path <c>spec.containers{NAME}</c>.</summary>
    public void Pod(string ns, string name, string uid, string? container, bool initContainer, string type, string reason, string message)
    {
        var fieldPath = container is null ? "" : $"spec.{(initContainer ? "initContainers" : "containers")}{{{container}}}";
        _queue.Writer.TryWrite(new Pending(ns, name, uid, fieldPath, type, reason, message.Length > 1024 ? message[..1021] + "..." : message, _time.GetUtcNow()));
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var e in _queue.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await WriteAsync(e, ct);
                }
                catch (Exception ex) when (ex is ApiException or IOException or HttpRequestException)
                {
                    LogWriteFailed(_logger, e.Reason, e.Name, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WriteAsync(Pending e, CancellationToken ct)
    {
        var key = $"{e.Uid}\n{e.FieldPath}\n{e.Type}\n{e.Reason}\n{e.Message}";
        var stamp = e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (_recent.TryGetValue(key, out var seen))
        {
            try
            {
                var patch = new JsonObject { ["count"] = seen.Count + 1, ["lastTimestamp"] = stamp };
                await _api.PatchAsync(_events, seen.Ns, seen.Name, PatchType.Merge, patch, null, ct);
                _recent[key] = seen with { Count = seen.Count + 1 };
                return;
            }
            catch (ApiException ex) when (ex.Code == 404)
            {
                _recent.Remove(key);
            }
        }

        var name = $"{e.Name}.{Convert.ToHexStringLower(BitConverter.GetBytes(e.At.UtcTicks + Random.Shared.Next()))}";
        var ev = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = e.Ns },
            ["involvedObject"] = new JsonObject
            {
                ["kind"] = "Pod",
                ["namespace"] = e.Ns,
                ["name"] = e.Name,
                ["uid"] = e.Uid,
                ["apiVersion"] = "v1",
            },
            ["reason"] = e.Reason,
            ["message"] = e.Message,
            ["source"] = new JsonObject { ["component"] = "kubelet", ["host"] = _node },
            ["firstTimestamp"] = stamp,
            ["lastTimestamp"] = stamp,
            ["count"] = 1,
            ["type"] = e.Type,
            ["reportingComponent"] = "kubelet",
            ["reportingInstance"] = _node,
        };
        if (e.FieldPath.Length > 0)
        {
            ((JsonObject)ev["involvedObject"]!)["fieldPath"] = e.FieldPath;
        }

        await _api.CreateAsync(_events, e.Ns, ev, ct);
        _recent[key] = (e.Ns, name, 1);
        _order.Enqueue(key);
        while (_order.Count > MaxRemembered)
        {
            _recent.Remove(_order.Dequeue());
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
        }

        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "event {Reason} for pod {Pod} not recorded: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string reason, string pod, string error);

    private sealed record Pending(string Ns, string Name, string Uid, string FieldPath, string Type, string Reason, string Message, DateTimeOffset At);
}
