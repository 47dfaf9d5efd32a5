namespace Berth.Controllers.Common;

/// <summary>
/// What a controller is waiting to see in its informer cache after its own writes, as
/// <c>controller.UIDTrackingControllerExpectations</c> in kube-controller-manager: after creating N pods it
/// expects N additions; after deleting pods it expects those pods to disappear (or to turn terminating).
/// Until then a sync must not create or delete again (the cache does not show the earlier writes yet, and
/// acting on it would over-create). Expectations expire after <see cref="Timeout"/> so a lost event cannot
/// wedge a controller. Thread-safe.
/// <code>
///   ExpectCreations(key, n) ─▶ CreationObserved × n ─▶ Satisfied
///   ExpectDeletions(key, pods) ─▶ DeletionObserved(each pod) ─▶ Satisfied
///   (or Timeout elapsed since the expectation was set ─▶ Satisfied)
/// </code>
/// </summary>
public sealed class Expectations(TimeProvider time)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>True when nothing is pending for <paramref name="key"/> (or the expectation expired).</summary>
    public bool Satisfied(string key)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var e))
            {
                return true;
            }

            return (e.Adds <= 0 && e.Deletes.Count == 0) || time.GetUtcNow() - e.Since > Timeout;
        }
    }

    public void ExpectCreations(string key, int count)
    {
        lock (_lock)
        {
            var e = Get(key);
            e.Adds = count;
            e.Since = time.GetUtcNow();
        }
    }

    public void ExpectDeletions(string key, IEnumerable<string> podKeys)
    {
        lock (_lock)
        {
            var e = Get(key);
            e.Deletes.Clear();
            e.Deletes.UnionWith(podKeys);
            e.Since = time.GetUtcNow();
        }
    }

    public void CreationObserved(string key)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var e))
            {
                e.Adds--;
            }
        }
    }

    /// <summary>A creation that failed will never be observed.</summary>
    public void CreationFailed(string key) => CreationObserved(key);

    public void DeletionObserved(string key, string podKey)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var e))
            {
                e.Deletes.Remove(podKey);
            }
        }
    }

    public void Forget(string key)
    {
        lock (_lock)
        {
            _entries.Remove(key);
        }
    }

    private Entry Get(string key)
    {
        if (!_entries.TryGetValue(key, out var e))
        {
            e = new Entry();
            _entries[key] = e;
        }

        return e;
    }

    private sealed class Entry
    {
        public int Adds { get; set; }

        public HashSet<string> Deletes { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset Since { get; set; }
    }
}
