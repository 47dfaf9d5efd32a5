using System.Runtime.CompilerServices;

namespace Berth.Store.Watching;

/// <summary>
/// A watch over an embedded store: catch up from the log, then follow the hub, with no gap and no
/// duplicate (kine's logstructured Watch: "After" query, then the broadcaster, filtered by revision).
/// </summary>
/// <remarks>
/// <code>
///   subscribe ──► catch up: log (last, StartRevision] in pages ──► live: hub events &gt; last
///       ▲                                                              │ queue overflowed
///       └──────────────────────────────────────────────────────────────┘
/// </code>
/// Ends when the store closes; throws <see cref="CompactedException"/> when the history it needs
/// is gone (at the start, or after an overflow while compaction ran).
/// </remarks>
internal static class WatchLoop
{
    public static async IAsyncEnumerable<WatchEvent> RunAsync(
        WatchHub hub,
        IWatchLog log,
        string prefix,
        long afterRevision,
        int pageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);
        log.EnsureNotCompacted(afterRevision);
        var last = afterRevision;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var subscription = hub.Subscribe(prefix);
            while (last < subscription.StartRevision)
            {
                var page = await log.ReadAsync(prefix, last, subscription.StartRevision, pageSize, cancellationToken);
                foreach (var e in page)
                {
                    last = e.Revision;
                    yield return e;
                }

                if (page.Count < pageSize)
                {
                    last = subscription.StartRevision;
                }
            }

            await foreach (var batch in subscription.Reader.ReadAllAsync(cancellationToken))
            {
                foreach (var e in batch)
                {
                    if (e.Revision > last)
                    {
                        last = e.Revision;
                        yield return e;
                    }
                }
            }

            if (!subscription.Overflowed)
            {
                yield break;
            }
        }
    }
}
