namespace Berth.Controllers.Runtime;

/// <summary>
/// A rate-limited work queue with client-go's semantics (k8s.io/client-go/util/workqueue, and YARP's
/// IWorkQueue): a key added several times before it is processed is processed once; a key is
/// never handed to two workers at once (if it is re-added while processing, it is queued again
/// when <see cref="Done"/> is called); failures are retried with per-key exponential back-off
/// (5 ms doubling up to 1000 s) until <see cref="Forget"/>.
/// <code>
///   Add ─▶ queued ─▶ GetAsync ─▶ processing ─▶ Done ─▶ (dirty? queued : idle)
///                                   └─ Add while processing ─▶ dirty
///   AddRateLimited ─▶ (after back-off) Add        AddAfter(d) ─▶ (after d) Add
/// </code>
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly object _lock = new();
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly SemaphoreSlim _signal = new(0);
    private readonly TimeProvider _time;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private bool _shuttingDown;

    public WorkQueue(TimeProvider time, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null)
    {
        _time = time;
        _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(5);
        _maxDelay = maxDelay ?? TimeSpan.FromSeconds(1000);
    }

    /// <summary>Keys waiting (not counting those being processed).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public void Add(TKey key)
    {
        lock (_lock)
        {
            if (_shuttingDown || !_dirty.Add(key))
            {
                return;
            }

            if (_processing.Contains(key))
            {
                return;
            }

            _queue.Enqueue(key);
        }

        _signal.Release();
    }

    /// <summary>Adds <paramref name="key"/> after <paramref name="delay"/>.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            Add(key);
            timer?.Dispose();
        }, null, delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Adds <paramref name="key"/> after its back-off, which doubles with every call until <see cref="Forget"/>.</summary>
    public void AddRateLimited(TKey key)
    {
        int failures;
        lock (_lock)
        {
            _failures.TryGetValue(key, out failures);
            _failures[key] = failures + 1;
        }

        var delay = TimeSpan.FromTicks((long)Math.Min(_maxDelay.Ticks, _baseDelay.Ticks * Math.Pow(2, Math.Min(failures, 40))));
        AddAfter(key, delay);
    }

    /// <summary>How many times <paramref name="key"/> has been retried since it last succeeded.</summary>
    public int Failures(TKey key)
    {
        lock (_lock)
        {
            return _failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Clears <paramref name="key"/>'s back-off after it succeeded.</summary>
    public void Forget(TKey key)
    {
        lock (_lock)
        {
            _failures.Remove(key);
        }
    }

    /// <summary>Waits for the next key; null once the queue is shut down and drained.</summary>
    public async Task<(bool Ok, TKey Key)> GetAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await _signal.WaitAsync(ct);
            }
            catch (ObjectDisposedException)
            {
                return (false, default!);
            }

            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    if (_shuttingDown)
                    {
                        return (false, default!);
                    }

                    continue;
                }

                var key = _queue.Dequeue();
                _dirty.Remove(key);
                _processing.Add(key);
                return (true, key);
            }
        }
    }

    /// <summary>Marks <paramref name="key"/> processed; if it was added meanwhile it is queued again.</summary>
    public void Done(TKey key)
    {
        var requeue = false;
        lock (_lock)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key))
            {
                _queue.Enqueue(key);
                requeue = true;
            }
        }

        if (requeue)
        {
            _signal.Release();
        }
    }

    /// <summary>Stops accepting keys; waiting workers return.</summary>
    public void ShutDown()
    {
        lock (_lock)
        {
            _shuttingDown = true;
        }

        _signal.Release(64);
    }

    public void Dispose()
    {
        ShutDown();
        _signal.Dispose();
    }
}
