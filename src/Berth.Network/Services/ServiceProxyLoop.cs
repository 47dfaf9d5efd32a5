using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Network.Services;

/// <summary>
/// Serialises and coalesces syncs: <see cref="Update"/> records the newest desired state and returns at once; one
/// background loop applies the newest state it sees (intermediate states are skipped), retrying failures after
/// <paramref name="retryDelay"/>. With nft taking ~10–30 ms per sync, a change reaches the kernel well within a second.
/// </summary>
public sealed class ServiceProxyLoop(IServiceProxy proxy, TimeProvider time, TimeSpan retryDelay, ILogger? logger = null) : IAsyncDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private IReadOnlyCollection<ProxyService>? _pending;
    private long _generation;
    private long _applied;
    private Task? _loop;

    /// <summary>The generation of the newest state applied to the kernel (see <see cref="Update"/>).</summary>
    public long AppliedGeneration => Interlocked.Read(ref _applied);

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Queues <paramref name="services"/> as the desired state; returns its generation number.</summary>
    public long Update(IReadOnlyCollection<ProxyService> services)
    {
        long g;
        lock (_signal)
        {
            _pending = services;
            g = ++_generation;
        }

        Signal();
        return g;
    }

    private void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the loop will read the newest state anyway.
        }
    }

    /// <summary>Waits until generation <paramref name="generation"/> (or a newer one) is in the kernel.</summary>
    public async Task WaitForAsync(long generation, CancellationToken cancellationToken)
    {
        while (AppliedGeneration < generation)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), time, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await _signal.WaitAsync(ct).ConfigureAwait(false);
            IReadOnlyCollection<ProxyService>? state;
            long g;
            lock (_signal)
            {
                state = _pending;
                g = _generation;
            }

            if (state is null)
            {
                continue;
            }

            try
            {
                await proxy.SyncAsync(state, ct).ConfigureAwait(false);
                Interlocked.Exchange(ref _applied, g);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ServiceProxyLog.SyncFailed(_logger, e);
                await Task.Delay(retryDelay, time, ct).ConfigureAwait(false);
                Signal();
            }
        }
    }
}
