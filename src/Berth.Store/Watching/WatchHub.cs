namespace Berth.Store.Watching;

/// <summary>
/// In-process fan-out of committed events to watchers, in commit order (kine's broadcaster, minus
/// the polling: Berth's embedded stores have a single writer that publishes after each commit).
/// </summary>
/// <remarks>
/// The writer calls <see cref="Publish"/> once per commit, in revision order, after the commit is
/// durable. <see cref="Subscribe"/> records the last published revision under the same lock, which
/// splits a watch cleanly in two: everything up to <see cref="WatchSubscription.StartRevision"/> is in
/// the log already, everything after it will be delivered to the subscription. A subscriber whose
/// queue is full is dropped (kine drops it too) and <see cref="WatchLoop"/> resubscribes and
/// catches up from the log, so a slow watcher costs memory for at most its queue.
/// </remarks>
internal sealed class WatchHub(long publishedRevision, int capacity)
{
    private readonly Lock _lock = new();
    private readonly List<WatchSubscription> _subscriptions = [];
    private long _published = publishedRevision;
    private bool _closed;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _subscriptions.Count;
            }
        }
    }

    public WatchSubscription Subscribe(string prefix)
    {
        lock (_lock)
        {
            var subscription = new WatchSubscription(this, prefix, _published, capacity);
            if (_closed)
            {
                subscription.Close(overflowed: false);
            }
            else
            {
                _subscriptions.Add(subscription);
            }

            return subscription;
        }
    }

    /// <summary>Announces the committed <paramref name="events"/> (revision order) and the store's new <paramref name="revision"/>.</summary>
    public void Publish(WatchEvent[] events, long revision)
    {
        lock (_lock)
        {
            _published = revision;
            if (events.Length == 0)
            {
                return;
            }

            for (var i = _subscriptions.Count - 1; i >= 0; i--)
            {
                var subscription = _subscriptions[i];
                var matching = Filter(events, subscription.Prefix);
                if (matching.Length == 0)
                {
                    continue;
                }

                if (!subscription.TryDeliver(matching))
                {
                    _subscriptions.RemoveAt(i);
                    subscription.Close(overflowed: true);
                }
            }
        }
    }

    /// <summary>Ends every watch (the store is closing).</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            foreach (var subscription in _subscriptions)
            {
                subscription.Close(overflowed: false);
            }

            _subscriptions.Clear();
        }
    }

    internal void Remove(WatchSubscription subscription)
    {
        lock (_lock)
        {
            _subscriptions.Remove(subscription);
        }
    }

    private static WatchEvent[] Filter(WatchEvent[] events, string prefix)
    {
        if (prefix.Length == 0)
        {
            return events;
        }

        var count = 0;
        foreach (var e in events)
        {
            if (e.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                count++;
            }
        }

        if (count == events.Length)
        {
            return events;
        }

        var matching = new WatchEvent[count];
        var j = 0;
        foreach (var e in events)
        {
            if (e.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                matching[j++] = e;
            }
        }

        return matching;
    }
}
