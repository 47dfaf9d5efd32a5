using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Berth.Store;

namespace Berth.Server.Core;

/// <summary>
/// Watch as the Kubernetes API serves it: from a resourceVersion, every change after it in order;
/// without one (or "0"), the current state as ADDED events first. Selectors are applied to both
/// the new and the previous value, so an object that stops matching arrives as DELETED and one
/// that starts matching as ADDED. Bookmarks carry the revision of the last event sent, never a
/// later one, so a client resuming from a bookmark misses nothing.
/// </summary>
public sealed class WatchService(ResourceService resources)
{
    /// <summary>How often an idle watch that asked for bookmarks gets one.</summary>
    public static readonly TimeSpan BookmarkInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Opens the watch. Validation failures (bad selector, sendInitialEvents) throw here, before the
    /// caller starts streaming; a compacted start revision arrives in the stream as an ERROR event
    /// carrying a 410 Expired Status, as kube-apiserver sends it.
    /// </summary>
    public async Task<WatchStream> OpenAsync(ResourceType type, string? ns, ListOptions options, CancellationToken ct)
    {
        if (options.SendInitialEvents == true)
        {
            // Streaming lists are not implemented; 422 makes client-go fall back to list + watch.
            throw new ApiException(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is not supported by this server; use list then watch",
                new StatusDetails("", "meta.k8s.io", "ListOptions", [StatusCause.Forbidden("sendInitialEvents", "sendInitialEvents is not supported by this server; use list then watch")]));
        }

        var filter = resources.Filters.Create(type, options.LabelSelector, options.FieldSelector);
        var initial = new List<WatchItem>();
        long after;
        if (string.IsNullOrEmpty(options.ResourceVersion) || options.ResourceVersion == "0")
        {
            var list = await resources.ListRawAsync(type, ns, ListOptions.None, ct);
            foreach (var e in list.Entries)
            {
                if (filter.MatchesStored(e.Value))
                {
                    initial.Add(new WatchItem(ApiWatchEvent.Added, e.Value, e.ModRevision));
                }
            }

            after = list.Revision;
        }
        else
        {
            after = ResourceService.ParseResourceVersion(options.ResourceVersion);
        }

        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var enumerator = resources.Store.WatchAsync(StoreKeys.Prefix(type, ns), after, cts.Token).GetAsyncEnumerator(cts.Token);
        var first = enumerator.MoveNextAsync().AsTask();
        return new WatchStream(type, filter, initial, enumerator, first, after, options, cts, resources.Time);
    }

    /// <summary>One open watch: enumerate it once.</summary>
    public sealed class WatchStream : IAsyncDisposable
    {
        private readonly ResourceType _type;
        private readonly IObjectFilter _filter;
        private readonly List<WatchItem> _initial;
        private readonly IAsyncEnumerator<WatchEvent> _events;
        private readonly CancellationTokenSource _cts;
        private readonly ListOptions _options;
        private readonly TimeProvider _time;
        private Task<bool> _pending;
        private long _lastRevision;

        internal WatchStream(ResourceType type, IObjectFilter filter, List<WatchItem> initial, IAsyncEnumerator<WatchEvent> events,
            Task<bool> pending, long after, ListOptions options, CancellationTokenSource cts, TimeProvider time)
        {
            _type = type;
            _filter = filter;
            _initial = initial;
            _events = events;
            _pending = pending;
            _lastRevision = after;
            _options = options;
            _cts = cts;
            _time = time;
        }

        /// <summary>The events, in order, until the timeout, the caller's cancellation, or the store's end.</summary>
        public async IAsyncEnumerable<WatchItem> ReadAllAsync([EnumeratorCancellation] CancellationToken ct = default)
        {
            foreach (var item in _initial)
            {
                yield return item;
            }

            var timeout = _options.TimeoutSeconds is > 0 ? TimeSpan.FromSeconds(_options.TimeoutSeconds.Value)
                : TimeSpan.FromMinutes(30 + Random.Shared.Next(30));
            var deadline = _time.GetUtcNow() + timeout;
            while (!ct.IsCancellationRequested)
            {
                var remaining = deadline - _time.GetUtcNow();
                if (remaining <= TimeSpan.Zero)
                {
                    yield break;
                }

                if (!_pending.IsCompleted && !await NextArrivesWithinAsync(_options.AllowWatchBookmarks && remaining > BookmarkInterval ? BookmarkInterval : remaining, ct))
                {
                    if (ct.IsCancellationRequested)
                    {
                        yield break;
                    }

                    if (_options.AllowWatchBookmarks && _time.GetUtcNow() < deadline)
                    {
                        yield return WatchItem.Bookmark(_type, _lastRevision);
                    }

                    continue;
                }

                bool has;
                WatchItem? failure = null;
                try
                {
                    has = await _pending;
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
                catch (CompactedException compacted)
                {
                    // As the API server does when it cannot serve a version: an ERROR event with 410, then the end.
                    has = false;
                    failure = WatchItem.Error(ApiException.Expired($"too old resource version: {_lastRevision} ({compacted.CompactRevision + 1})"));
                }

                if (failure is not null)
                {
                    yield return failure;
                }

                if (!has)
                {
                    yield break;
                }

                var e = _events.Current;
                _pending = _events.MoveNextAsync().AsTask();
                _lastRevision = e.Revision;
                var item = Translate(e);
                if (item is not null)
                {
                    yield return item;
                }
            }
        }

        /// <summary>
        /// Waits for the next store event or <paramref name="wait"/>, whichever comes first; the timer goes as soon as the
        /// event comes. (A bare <c>Task.Delay</c> raced against each event stayed queued for its whole interval: under
        /// thousands of events per second, tens of thousands of live 10 s timers and their cancellation registrations.)
        /// </summary>
        private async Task<bool> NextArrivesWithinAsync(TimeSpan wait, CancellationToken ct)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delay = Task.Delay(wait, _time, timer.Token);
            var done = await Task.WhenAny(_pending, delay);
            await timer.CancelAsync();
            return done == _pending;
        }

        private WatchItem? Translate(WatchEvent e)
        {
            var type = e.Type switch
            {
                WatchEventType.Created => ApiWatchEvent.Added,
                WatchEventType.Updated => ApiWatchEvent.Modified,
                _ => ApiWatchEvent.Deleted,
            };
            var item = new WatchItem(type, e.Value, e.Revision) { Source = e };
            if (_filter.IsEverything)
            {
                return item;
            }

            // Read from the event's shared parse: an event this watch does not get is never built into a tree.
            var matchesNow = _filter.Matches(ObjectCodec.ParseShared(e));
            if (e.Type != WatchEventType.Updated)
            {
                return matchesNow ? item : null;
            }

            bool? matchedBefore = e.PreviousValue is { } prev ? _filter.MatchesStored(prev) : null;
            return (matchedBefore, matchesNow) switch
            {
                (false, true) => item with { Type = ApiWatchEvent.Added },
                (true, false) => item with { Type = ApiWatchEvent.Deleted },
                (null, false) or (false, false) => null,
                _ => item,
            };
        }

        public async ValueTask DisposeAsync()
        {
            await _cts.CancelAsync();
            try
            {
                await _pending;
            }
            catch (Exception)
            {
                // The pending read ends with the cancellation; nothing to report.
            }

            await _events.DisposeAsync();
            _cts.Dispose();
        }
    }
}

/// <summary>One event to send: its type and the stored object bytes at its revision (parsed on demand).</summary>
public sealed record WatchItem(string Type, ReadOnlyMemory<byte> Stored, long Revision)
{
    private JsonObject? _object;

    public const string ErrorType = "ERROR";

    /// <summary>True for bookmarks, whose object carries only the resourceVersion.</summary>
    public bool IsBookmark => Type == ApiWatchEvent.Bookmark;

    /// <summary>The store event this item reports, when it reports one (its decoded form is shared; see <see cref="Object"/>).</summary>
    internal WatchEvent? Source { get; init; }

    /// <summary>
    /// The object with its resourceVersion set: a tree of its own, over the store event's parsed form, which is parsed
    /// once for every watch that gets the event (<see cref="ObjectCodec.DecodeShared"/>).
    /// </summary>
    public JsonObject Object => _object ??= Source is { } source ? ObjectCodec.DecodeShared(source) : ObjectCodec.Decode(Stored, Revision);

    /// <summary>The store event's shared parse (read-only), when this item reports a store event; null for listed items, bookmarks and errors.</summary>
    public JsonElement? Parsed => Source is { } source ? ObjectCodec.ParseShared(source) : null;

    /// <summary>An ERROR event: its object is the failure's Status.</summary>
    public static WatchItem Error(ApiException failure) =>
        new(ErrorType, ObjectCodec.ToUtf8(failure.ToStatus()), 0) { _object = failure.ToStatus() };

    public static WatchItem Bookmark(ResourceType type, long revision)
    {
        var obj = new JsonObject
        {
            ["kind"] = type.Kind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) },
        };
        return new WatchItem(ApiWatchEvent.Bookmark, ObjectCodec.Encode(obj), revision);
    }
}
