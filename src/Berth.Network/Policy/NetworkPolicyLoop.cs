using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Network.Policy;

/// <summary>
/// Serialises and coalesces syncs: <see cref="Update"/> records the newest desired state and returns at once; one
/// background loop applies the newest state it sees (intermediate states are skipped), retrying failures after
/// <paramref name="retryDelay"/>. A sync is one <c>nft -f</c> (tens of milliseconds), so a change is enforced well
/// within a second of the <see cref="Update"/>.
/// </summary>
public sealed class NetworkPolicyLoop(INetworkPolicyEnforcer enforcer, TimeProvider time, TimeSpan retryDelay, ILogger? logger = null) : IAsyncDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private PolicyState? _pending;
    private long _generation;
    private long _applied;
    private Task? _loop;

    /// <summary>The generation of the newest state enforced by the kernel (see <see cref="Update"/>).</summary>
    public long AppliedGeneration => Interlocked.Read(ref _applied);

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Queues <paramref name="state"/> as the desired state; returns its generation number.</summary>
    public long Update(PolicyState state)
    {
        long g;
        lock (_signal)
        {
            _pending = state;
            g = ++_generation;
        }

        Signal();
        return g;
    }

    /// <summary>Waits until generation <paramref name="generation"/> (or a newer one) is enforced.</summary>
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

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await _signal.WaitAsync(ct).ConfigureAwait(false);
            PolicyState? state;
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
                await enforcer.SyncAsync(state, ct).ConfigureAwait(false);
                Interlocked.Exchange(ref _applied, g);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                NetworkPolicyLog.SyncFailed(_logger, e);
                await Task.Delay(retryDelay, time, ct).ConfigureAwait(false);
                Signal();
            }
        }
    }
}
