using Berth.Server.Core;
using Berth.Store;
using Microsoft.Extensions.Hosting;

namespace Berth.Server;

/// <summary>
/// Opens the store before anything else starts and closes it after everything else has stopped
/// (hosted services stop in reverse order, and this one is registered first). On start it also
/// ensures the built-in objects exist.
/// </summary>
internal sealed class StoreLifetime(IStore store, BuiltInObjects builtIns) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.StartAsync(cancellationToken);
        await builtIns.EnsureAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await store.DisposeAsync();
}
