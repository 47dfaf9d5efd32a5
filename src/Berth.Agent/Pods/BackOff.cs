namespace Berth.Agent.Pods;

/// <summary>
/// Per-key exponential back-off, as client-go's <c>flowcontrol.Backoff</c> that the kubelet uses for crash
/// loops and image pulls: the first failure gets <see cref="Initial"/>, each next one double, up to
/// <see cref="Max"/>; an entry whose last update is more than 2 × <see cref="Max"/> old starts again (so a
/// container that ran for 10 minutes restarts after 10 s again).
/// (https://github.com/kubernetes/client-go/blob/master/util/flowcontrol/backoff.go)
/// </summary>
internal sealed class BackOff(TimeProvider time, TimeSpan initial, TimeSpan max)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public TimeSpan Initial { get; } = initial;

    public TimeSpan Max { get; } = max;

    /// <summary>The current back-off of <paramref name="key"/>, zero when none.</summary>
    public TimeSpan Get(string key)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var e) ? e.Duration : TimeSpan.Zero;
        }
    }

    /// <summary>Records a failure at <paramref name="eventTime"/>: doubles the back-off (or starts it, or restarts it when expired).</summary>
    public void Next(string key, DateTimeOffset eventTime)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var e) || HasExpired(eventTime, e.LastUpdate))
            {
                _entries[key] = new Entry(Initial, eventTime);
                return;
            }

            var doubled = e.Duration * 2;
            _entries[key] = new Entry(doubled > Max ? Max : doubled, eventTime);
        }
    }

    /// <summary>Whether <paramref name="key"/> must still wait after something that happened at <paramref name="eventTime"/> (e.g. a container's finish).</summary>
    public bool IsInBackOffSince(string key, DateTimeOffset eventTime)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var e) || HasExpired(eventTime, e.LastUpdate))
            {
                return false;
            }

            return time.GetUtcNow() - eventTime < e.Duration;
        }
    }

    /// <summary>Whether <paramref name="key"/> must still wait since its last failure (image pulls).</summary>
    public bool IsInBackOffSinceUpdate(string key)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!_entries.TryGetValue(key, out var e) || HasExpired(now, e.LastUpdate))
            {
                return false;
            }

            return now - e.LastUpdate < e.Duration;
        }
    }

    /// <summary>When the back-off of <paramref name="key"/> that started at <paramref name="eventTime"/> ends.</summary>
    public DateTimeOffset? EndsAt(string key, DateTimeOffset eventTime)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(key, out var e) ? eventTime + e.Duration : null;
        }
    }

    public void Reset(string key)
    {
        lock (_lock)
        {
            _entries.Remove(key);
        }
    }

    /// <summary>Forgets every key starting with <paramref name="prefix"/> (a pod's, when it goes).</summary>
    public void ResetPrefix(string prefix)
    {
        lock (_lock)
        {
            foreach (var k in _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                _entries.Remove(k);
            }
        }
    }

    private bool HasExpired(DateTimeOffset eventTime, DateTimeOffset lastUpdate) => eventTime - lastUpdate > Max * 2;

    private readonly record struct Entry(TimeSpan Duration, DateTimeOffset LastUpdate);
}
