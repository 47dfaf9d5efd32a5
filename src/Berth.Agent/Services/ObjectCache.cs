using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Logging;

namespace Berth.Agent.Services;

/// <summary>
/// A list + watch cache of one resource type across namespaces (a minimal informer): what <paramref name="keep"/>
/// makes of each object, by <c>namespace/name</c>; <see cref="Changed"/> fires after every applied change (and after
/// each re-list). Re-lists after a watch error or an expired version. <paramref name="keep"/> gets the object and, for
/// watch events of an in-process client, its shared parse (<see cref="ApiWatchEvent.Parsed"/>): a cache that keeps
/// little of each object reads that and never builds the rest into a tree (a node-wide pod cache holding whole pods
/// costs as much memory as the pods).
/// </summary>
internal sealed partial class ObjectCache<T>(IApiClient api, ResourceType type, TimeProvider time, ILogger logger, Func<JsonObject, JsonElement?, T> keep)
    where T : class
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public event Action? Changed;

    public Task Synced => _synced.Task;

    public IReadOnlyList<T> Items()
    {
        lock (_lock)
        {
            return [.. _items.Values];
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var list = await api.ListAsync(type, null, ListOptions.None, ct);
                lock (_lock)
                {
                    _items.Clear();
                    foreach (var item in list.Items)
                    {
                        _items[Key(item)] = keep(item, null);
                    }
                }

                _synced.TrySetResult();
                Changed?.Invoke();
                var rv = list.ResourceVersion;
                while (!ct.IsCancellationRequested)
                {
                    await foreach (var e in api.WatchAsync(type, null, new ListOptions { ResourceVersion = rv, AllowWatchBookmarks = true, TimeoutSeconds = 300 }, ct))
                    {
                        // Read from the shared parse when there is one: reading the tree would build it.
                        FieldSource read = e.Parsed is { } parsed ? parsed : e.Object;
                        rv = read.String("metadata", "resourceVersion") is { Length: > 0 } v ? v : rv;
                        if (e.Type == ApiWatchEvent.Bookmark)
                        {
                            continue;
                        }

                        var key = Key(read);
                        lock (_lock)
                        {
                            if (e.Type == ApiWatchEvent.Deleted)
                            {
                                _items.Remove(key);
                            }
                            else
                            {
                                _items[key] = keep(e.Object, e.Parsed);
                            }
                        }

                        Changed?.Invoke();
                    }
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is ApiException or IOException or HttpRequestException or System.Text.Json.JsonException)
            {
                failures++;
                LogFailed(logger, type.Plural, e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 200 * failures)), time, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static string Key(FieldSource o) => $"{o.String("metadata", "namespace")}/{o.String("metadata", "name")}";

    [LoggerMessage(EventId = 3401, Level = LogLevel.Warning, Message = "{Resource} list/watch failed: {Error}; listing again")]
    private static partial void LogFailed(ILogger logger, string resource, string error);
}

/// <summary>Caches that keep whole objects.</summary>
internal static class ObjectCache
{
    public static ObjectCache<JsonObject> Whole(IApiClient api, ResourceType type, TimeProvider time, ILogger logger) =>
        new(api, type, time, logger, (o, _) => o);
}
