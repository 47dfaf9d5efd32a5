using Berth.Controllers.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Controllers.Tests.Support;

/// <summary>
/// Runs chosen controllers against a <see cref="TestCluster"/>'s API with a time source of the test's (a
/// <c>FakeTimeProvider</c>), outside leader election, so a test can run their time forward while the rest of the
/// cluster keeps real time. Disable the same controllers in the cluster's <see cref="WorkloadOptions"/>.
/// </summary>
public sealed class ControllerHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SharedInformers _informers;
    private readonly List<Task> _running = [];

    private ControllerHarness(SharedInformers informers) => _informers = informers;

    public static async Task<ControllerHarness> StartAsync(TestCluster cluster, TimeProvider time, params Func<ControllerContext, Controller>[] factories)
    {
        var informers = new SharedInformers(cluster.Api, time, NullLoggerFactory.Instance);
        var context = new ControllerContext(cluster.Api, informers, cluster.Registry, time, NullLoggerFactory.Instance);
        var harness = new ControllerHarness(informers);
        var controllers = factories.Select(f => f(context)).ToList();
        foreach (var c in controllers)
        {
            c.Setup();
        }

        await informers.StartAsync(harness._stop.Token);
        foreach (var c in controllers)
        {
            harness._running.Add(Task.Run(() => c.RunAsync(harness._stop.Token)));
        }

        return harness;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        await _informers.StopAsync();
        _stop.Dispose();
    }
}
