using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Runtime;

/// <summary>
/// A local cache of one resource type kept current by list + watch, as client-go's shared informer:
/// <code>
///   RunAsync: list ─▶ replace cache (Add/Update/Delete handlers for the differences) ─▶ synced
///             ─▶ watch from the list's version ─▶ apply events ─┬─ stream ends ─▶ watch again from the last version
///                                                             └─ 410 Expired / error ─▶ back off, list again
/// </code>
/// Objects are turned into <typeparamref name="T"/> once by a transform (so a controller that needs only
/// metadata keeps only metadata). Handlers run on the informer's loop, one at a time, and should only
/// enqueue work. Keys are <c>namespace/name</c>, or <c>name</c> for cluster-scoped objects.
/// </summary>
public sealed partial class Informer<T>
    where T : class
{
    private readonly IApiClient _client;
    private readonly ResourceType _type;
    private readonly string? _namespace;
    private readonly ListOptions _selectors;
    private readonly Func<JsonObject, T> _transform;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly Dictionary<string, T> _cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> _indexFuncs = [];
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indexes = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Action<T>> _onAdd = [];
    private readonly List<Action<T, T>> _onUpdate = [];
    private readonly List<Action<T>> _onDelete = [];

    public Informer(IApiClient client, ResourceType type, Func<JsonObject, T> transform, TimeProvider time, ILogger logger,
        string? ns = null, ListOptions? selectors = null)
    {
        _client = client;
        _type = type;
        _transform = transform;
        _time = time;
        _logger = logger;
        _namespace = ns;
        _selectors = selectors ?? ListOptions.None;
    }

    public ResourceType Type => _type;

    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resource version of the last list or event applied.</summary>
    public string LastResourceVersion { get; private set; } = "";

    public void OnAdd(Action<T> handler) => _onAdd.Add(handler);

    public void OnUpdate(Action<T, T> handler) => _onUpdate.Add(handler);

    public void OnDelete(Action<T> handler) => _onDelete.Add(handler);

    /// <summary>Adds an index; call before <see cref="RunAsync"/>.</summary>
    public void AddIndex(string name, Func<T, IEnumerable<string>> index)
    {
        _indexFuncs[name] = index;
        _indexes[name] = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
    }

    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);

    public T? Get(string key)
    {
        lock (_lock)
        {
            return _cache.GetValueOrDefault(key);
        }
    }

    public T? Get(string? ns, string name) => Get(KeyOf(ns, name));

    public IReadOnlyList<T> List()
    {
        lock (_lock)
        {
            return [.. _cache.Values];
        }
    }

    /// <summary>The objects whose index <paramref name="index"/> yields <paramref name="value"/>.</summary>
    public IReadOnlyList<T> ByIndex(string index, string value)
    {
        lock (_lock)
        {
            if (!_indexes.TryGetValue(index, out var idx) || !idx.TryGetValue(value, out var keys))
            {
                return [];
            }

            return [.. keys.Select(k => _cache[k])];
        }
    }

    public static string KeyOf(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    public static string KeyOf(JsonObject obj) =>
        KeyOf(Json.String(obj, "metadata", "namespace"), Json.String(obj, "metadata", "name") ?? "");

    /// <summary>Lists and watches until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var list = await _client.ListAsync(_type, _namespace, _selectors, ct);
                Replace(list.Items);
                LastResourceVersion = list.ResourceVersion;
                _synced.TrySetResult();
                failures = 0;
                while (!ct.IsCancellationRequested)
                {
                    var options = _selectors with { ResourceVersion = LastResourceVersion, AllowWatchBookmarks = true, TimeoutSeconds = 300 + Random.Shared.Next(300) };
                    await foreach (var e in _client.WatchAsync(_type, _namespace, options, ct))
                    {
                        Apply(e);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (ApiException e) when (e.Code == 410)
            {
                LogRelist(_logger, _type.Plural, e.Message);
            }
            catch (Exception e) when (e is ApiException or HttpRequestException or IOException or System.Text.Json.JsonException)
            {
                failures++;
                LogWatchFailed(_logger, _type.Plural, e.Message);
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(failures, 10))));
                try
                {
                    await Task.Delay(delay, _time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Apply(ApiWatchEvent e)
    {
        var rv = Json.String(e.Object, "metadata", "resourceVersion");
        if (!string.IsNullOrEmpty(rv))
        {
            LastResourceVersion = rv;
        }

        if (e.Type == ApiWatchEvent.Bookmark)
        {
            return;
        }

        var key = KeyOf(e.Object);
        if (e.Type == ApiWatchEvent.Deleted)
        {
            T? removed;
            lock (_lock)
            {
                if (_cache.Remove(key, out removed))
                {
                    Unindex(key, removed);
                }
            }

            if (removed is not null)
            {
                foreach (var h in _onDelete)
                {
                    h(removed);
                }
            }

            return;
        }

        Upsert(key, _transform(e.Object));
    }

    private void Upsert(string key, T value)
    {
        T? old;
        lock (_lock)
        {
            if (_cache.TryGetValue(key, out old))
            {
                Unindex(key, old);
            }

            _cache[key] = value;
            Index(key, value);
        }

        if (old is null)
        {
            foreach (var h in _onAdd)
            {
                h(value);
            }
        }
        else
        {
            foreach (var h in _onUpdate)
            {
                h(old, value);
            }
        }
    }

    private void Replace(IReadOnlyList<JsonObject> items)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var key = KeyOf(item);
            seen.Add(key);
            Upsert(key, _transform(item));
        }

        List<(string Key, T Value)> gone;
        lock (_lock)
        {
            gone = [.. _cache.Where(p => !seen.Contains(p.Key)).Select(p => (p.Key, p.Value))];
            foreach (var (k, v) in gone)
            {
                _cache.Remove(k);
                Unindex(k, v);
            }
        }

        foreach (var (_, v) in gone)
        {
            foreach (var h in _onDelete)
            {
                h(v);
            }
        }
    }

    private void Index(string key, T value)
    {
        foreach (var (name, func) in _indexFuncs)
        {
            foreach (var v in func(value))
            {
                if (!_indexes[name].TryGetValue(v, out var set))
                {
                    set = new HashSet<string>(StringComparer.Ordinal);
                    _indexes[name][v] = set;
                }

                set.Add(key);
            }
        }
    }

    private void Unindex(string key, T value)
    {
        foreach (var (name, func) in _indexFuncs)
        {
            foreach (var v in func(value))
            {
                if (_indexes[name].TryGetValue(v, out var set))
                {
                    set.Remove(key);
                    if (set.Count == 0)
                    {
                        _indexes[name].Remove(v);
                    }
                }
            }
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "informer {Resource}: watch expired ({Reason}); listing again")]
    private static partial void LogRelist(ILogger logger, string resource, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "informer {Resource}: list/watch failed: {Reason}; retrying")]
    private static partial void LogWatchFailed(ILogger logger, string resource, string reason);
}
