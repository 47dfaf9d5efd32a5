using Berth.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.Server;

/// <summary>Runs the store's compactor (kube-apiserver's 5-minute compaction) for as long as the server runs.</summary>
internal sealed class StoreCompaction(IStore store, TimeProvider time, ILogger<StoreCompactor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await new StoreCompactor(store, time, logger).RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
