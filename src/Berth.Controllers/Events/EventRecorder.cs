using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Controllers.Common;
using Berth.Controllers.Runtime;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Events;

/// <summary>
/// Writes core/v1 <c>Event</c>s about objects, as client-go's event recorder and its correlator do for the
/// legacy API: <c>involvedObject</c>, <c>reason</c>, <c>message</c>, <c>type</c> (Normal or Warning),
/// <c>source.component</c>, and <c>count</c>/<c>firstTimestamp</c>/<c>lastTimestamp</c>. The same event
/// (same object, type, reason, message and component) seen again increments the count of the existing Event
/// instead of creating another (kube's EventLogger dedup). Events are named <c>OBJECT.HEXNANOS</c> and live in
/// the object's namespace (<c>default</c> for cluster-scoped objects). Recording is asynchronous, as client-go's
/// broadcaster: <see cref="RecordAsync"/> queues the event (at most 4096 waiting; more are dropped) and one
/// writer per recorder writes them in order, so controllers never wait for events. It never throws: a failed
/// write is logged and dropped, events are best effort. One recorder per component per controller manager term
/// (<see cref="For"/>); its writer stops with the token of the first call (the controller's run token).
/// </summary>
public sealed partial class EventRecorder
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
    private const int MaxCached = 4096;

    private static readonly ConditionalWeakTable<ControllerContext, Dictionary<string, EventRecorder>> Recorders = [];

    private readonly IApiClient _api;
    private readonly ResourceType _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Namespace, string Name, long Count, string First)> _seen = new(StringComparer.Ordinal);
    private readonly Channel<(JsonObject Involved, string Type, string Reason, string Message, DateTimeOffset At)> _queue =
        Channel.CreateBounded<(JsonObject, string, string, string, DateTimeOffset)>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private Task? _writer;

    public EventRecorder(IApiClient api, ResourceType eventsType, string component, TimeProvider time, ILogger logger)
    {
        _api = api;
        _events = eventsType;
        Component = component;
        _time = time;
        _logger = logger;
    }

    /// <summary>The <c>source.component</c> of every event this recorder writes (<c>deployment-controller</c>, <c>default-scheduler</c>).</summary>
    public string Component { get; }

    /// <summary>The recorder of <paramref name="component"/> shared by the controllers of one controller manager term.</summary>
    public static EventRecorder For(ControllerContext context, string component)
    {
        var byComponent = Recorders.GetValue(context, _ => []);
        lock (byComponent)
        {
            if (!byComponent.TryGetValue(component, out var recorder))
            {
                recorder = new EventRecorder(context.Api, context.Type("", "events"), component, context.Time,
                    context.Loggers.CreateLogger("Berth.Controllers.Events"));
                byComponent[component] = recorder;
            }

            return recorder;
        }
    }

    public Task NormalAsync(JsonObject involved, string reason, string message, CancellationToken ct) =>
        RecordAsync(involved, Normal, reason, message, ct);

    public Task WarningAsync(JsonObject involved, string reason, string message, CancellationToken ct) =>
        RecordAsync(involved, Warning, reason, message, ct);

    /// <summary>Queues an event about <paramref name="involved"/> (an object with apiVersion, kind and metadata).</summary>
    public Task RecordAsync(JsonObject involved, string type, string reason, string message, CancellationToken ct)
    {
        if (!_queue.Writer.TryWrite((Reference(involved), type, reason, message, _time.GetUtcNow())))
        {
            LogRecordFailed(_logger, reason, Meta.Name(involved), "too many events waiting");
        }

        lock (_lock)
        {
            _writer ??= Task.Run(() => WriteLoopAsync(ct), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (reference, type, reason, message, at) in _queue.Reader.ReadAllAsync(ct))
            {
                await WriteAsync(reference, type, reason, message, at, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WriteAsync(JsonObject reference, string type, string reason, string message, DateTimeOffset now, CancellationToken ct)
    {
        var ns = Json.String(reference, "namespace") is { Length: > 0 } n ? n : "default";
        var key = string.Join('\u0001', Component, Json.String(reference, "uid"), Json.String(reference, "kind"), ns,
            Json.String(reference, "name"), type, reason, message);
        var stamp = Timestamps.Format(now);
        (string Namespace, string Name, long Count, string First) previous;
        bool repeat;
        lock (_lock)
        {
            repeat = _seen.TryGetValue(key, out previous);
        }

        try
        {
            if (repeat)
            {
                var updated = Build(reference, ns, previous.Name, type, reason, message, previous.Count + 1, previous.First, stamp);
                try
                {
                    await _api.UpdateAsync(_events, ns, updated, null, ct);
                    Remember(key, (ns, previous.Name, previous.Count + 1, previous.First));
                    return;
                }
                catch (ApiException e) when (e.Code == 404)
                {
                    // The event expired or was deleted: start a new one.
                }
            }

            var name = $"{Json.String(reference, "name")}.{(now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100:x}";
            await _api.CreateAsync(_events, ns, Build(reference, ns, name, type, reason, message, 1, stamp, stamp), ct);
            Remember(key, (ns, name, 1, stamp));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or IOException or InvalidOperationException)
        {
            LogRecordFailed(_logger, reason, Json.String(reference, "name") ?? "", e.Message);
        }
    }

    /// <summary>An <c>ObjectReference</c> to <paramref name="obj"/>.</summary>
    public static JsonObject Reference(JsonObject obj)
    {
        var r = new JsonObject
        {
            ["kind"] = Json.String(obj, "kind"),
            ["apiVersion"] = Json.String(obj, "apiVersion"),
            ["name"] = Meta.Name(obj),
        };
        if (Meta.Namespace(obj) is { Length: > 0 } ns)
        {
            r["namespace"] = ns;
        }

        r["uid"] = Meta.Uid(obj);
        if (Json.String(obj, "metadata", "resourceVersion") is { } rv)
        {
            r["resourceVersion"] = rv;
        }

        return r;
    }

    private JsonObject Build(JsonObject reference, string ns, string name, string type, string reason, string message, long count,
        string first, string last) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Event",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["involvedObject"] = reference.DeepClone(),
        ["reason"] = reason,
        ["message"] = message,
        ["source"] = new JsonObject { ["component"] = Component },
        ["firstTimestamp"] = first,
        ["lastTimestamp"] = last,
        ["count"] = count,
        ["type"] = type,
        ["reportingComponent"] = Component,
        ["reportingInstance"] = "",
    };

    private void Remember(string key, (string, string, long, string) value)
    {
        lock (_lock)
        {
            if (_seen.Count >= MaxCached && !_seen.ContainsKey(key))
            {
                _seen.Clear();
            }

            _seen[key] = value;
        }
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Debug, Message = "event {Reason} about {Name} not recorded: {Error}")]
    private static partial void LogRecordFailed(ILogger logger, string reason, string name, string error);
}
