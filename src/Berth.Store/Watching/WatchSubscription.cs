using System.Threading.Channels;

namespace Berth.Store.Watching;

/// <summary>
/// One watcher's queue in a <see cref="WatchHub"/>: batches of committed events under its prefix
/// with revisions above <see cref="StartRevision"/>. Bounded: a watcher that falls
/// <c>capacity</c> batches behind is cut off (<see cref="Overflowed"/>) and catches up from the log.
/// </summary>
internal sealed class WatchSubscription : IDisposable
{
    private readonly WatchHub _hub;
    private readonly Channel<WatchEvent[]> _channel;
    private volatile bool _overflowed;

    public WatchSubscription(WatchHub hub, string prefix, long startRevision, int capacity)
    {
        _hub = hub;
        Prefix = prefix;
        StartRevision = startRevision;
        _channel = Channel.CreateBounded<WatchEvent[]>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string Prefix { get; }

    /// <summary>The last revision published when the subscription was made: later events arrive here, earlier ones are in the log.</summary>
    public long StartRevision { get; }

    /// <summary>True when the queue was closed because the watcher fell behind (as opposed to the store closing).</summary>
    public bool Overflowed => _overflowed;

    public ChannelReader<WatchEvent[]> Reader => _channel.Reader;

    internal bool TryDeliver(WatchEvent[] events) => _channel.Writer.TryWrite(events);

    internal void Close(bool overflowed)
    {
        _overflowed = overflowed;
        _channel.Writer.TryComplete();
    }

    public void Dispose() => _hub.Remove(this);
}
