using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Runtime;

/// <summary>
/// Runs every controller, only while this server holds the <c>kube-system/berth-controller-manager</c>
/// lease: when elected, it creates the controllers, starts the shared informers, waits for them to
/// sync, reports ready, and runs the workers; when leadership is lost, it stops them all and
/// campaigns again.
/// </summary>
public sealed class ControllerManager(
    IApiClient api,
    ResourceRegistry registry,
    TimeProvider time,
    ILoggerFactory loggers,
    IEnumerable<Func<ControllerContext, Controller>> factories,
    ControllerManagerOptions options) : BackgroundService
{
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once, the first time this manager leads with synced informers.</summary>
    public Task Synced => _firstSync.Task;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var elector = new LeaderElector(api, registry.Find("coordination.k8s.io", "v1", "leases")!, "kube-system", "berth-controller-manager",
            options.Identity, time, loggers.CreateLogger("Berth.Controllers.LeaderElection"));
        return elector.RunAsync(LeadAsync, stoppingToken);
    }

    private async Task LeadAsync(CancellationToken ct)
    {
        var informers = new SharedInformers(api, time, loggers);
        var context = new ControllerContext(api, informers, registry, time, loggers);
        var controllers = factories.Select(f => f(context)).ToList();
        foreach (var c in controllers)
        {
            c.Setup();
        }

        try
        {
            await informers.StartAsync(ct);
            _firstSync.TrySetResult();
            await Task.WhenAll(controllers.Select(c => c.RunAsync(ct)));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            await informers.StopAsync();
        }
    }
}
