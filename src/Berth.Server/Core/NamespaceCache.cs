using System.Collections.Concurrent;
using Berth.Api.Resources;
using Berth.Store;
using Microsoft.Extensions.Hosting;

namespace Berth.Server.Core;

/// <summary>
/// The namespaces as kube-apiserver's NamespaceLifecycle admission sees them: from a watch-fed cache instead
/// of a store read on every create (which was a tenth of a create's CPU). This server's own namespace writes
/// are applied at once (<see cref="Observe"/>), so a create right after a namespace's deletion here is refused;
/// the watch brings other servers' writes (a shared etcd), each entry keeping the newest revision seen. A
/// namespace the cache does not hold (created a moment ago, deleted, or absent) is read from the store by the
/// caller, as the admission plugin's live lookup does.
/// </summary>
public sealed class NamespaceCache(IStore store, ResourceRegistry registry) : BackgroundService
{
    private readonly ConcurrentDictionary<string, (bool Terminating, bool Gone, long Revision)> _entries = new(StringComparer.Ordinal);
    private readonly string _prefix = StoreKeys.Prefix(registry.Find("", "v1", "namespaces")!, null);
    private volatile bool _synced;

    /// <summary>True (terminating) or false (active) for a namespace the cache holds; null when the caller must read the store.</summary>
    public bool? Terminating(string name) =>
        _synced && _entries.TryGetValue(name, out var e) && !e.Gone ? e.Terminating : null;

    /// <summary>A namespace write (null value: its deletion) at <paramref name="revision"/>, from this server or the watch.</summary>
    public void Observe(ResourceType type, string name, ReadOnlyMemory<byte>? value, long revision)
    {
        if (type.Group.Length != 0 || type.Plural != "namespaces")
        {
            return;
        }

        var entry = (value is { } v && IsTerminating(v), value is null, revision);
        _entries.AddOrUpdate(name, entry, (_, old) => old.Revision >= revision ? old : entry);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var type = registry.Find("", "v1", "namespaces")!;
        while (!stoppingToken.IsCancellationRequested)
        {
            _synced = false;
            try
            {
                var list = await store.ListAsync(_prefix, 0, stoppingToken);
                var listed = list.Entries.Select(e => e.Key[_prefix.Length..]).ToHashSet(StringComparer.Ordinal);
                foreach (var e in list.Entries)
                {
                    Observe(type, e.Key[_prefix.Length..], e.Value, e.ModRevision);
                }

                foreach (var name in _entries.Keys.Where(n => !listed.Contains(n)))
                {
                    Observe(type, name, null, list.Revision);
                }

                _synced = true;
                await foreach (var e in store.WatchAsync(_prefix, list.Revision, stoppingToken))
                {
                    // (A bare `null` here would turn into an empty ReadOnlyMemory, through byte[]'s conversion: not a deletion.)
                    Observe(type, e.Key[_prefix.Length..], e.Type == WatchEventType.Deleted ? (ReadOnlyMemory<byte>?)null : e.Value, e.Revision);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A compacted revision, a store error: callers read the store until the next list succeeds.
                _synced = false;
            }

            // The watch ended (or failed): list and watch again after a short pause.
            _synced = false;
            await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Parsed only when the bytes can hold a deletion timestamp at all (the word may also sit in a label value).</summary>
    internal static bool IsTerminating(ReadOnlyMemory<byte> value) =>
        value.Span.IndexOf("\"deletionTimestamp\""u8) >= 0 && Json.String(ObjectCodec.Decode(value, 0), "metadata", "deletionTimestamp") is not null;
}
