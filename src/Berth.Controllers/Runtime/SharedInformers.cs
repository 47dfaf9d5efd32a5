using System.Text.Json.Nodes;
using Berth.Api.Client;
using Berth.Api.Resources;
using Microsoft.Extensions.Logging;

namespace Berth.Controllers.Runtime;

/// <summary>
/// One informer per (resource type, view) shared by every controller that asks for it, so that a
/// type is listed and watched once. Informers created before <see cref="StartAsync"/> start with it;
/// later ones start when created.
/// </summary>
public sealed class SharedInformers(IApiClient client, TimeProvider time, ILoggerFactory loggers)
{
    private readonly Dictionary<(string, string), object> _informers = [];
    private readonly List<Func<CancellationToken, Task>> _runs = [];
    private readonly List<Func<CancellationToken, Task>> _syncs = [];
    private readonly List<Task> _running = [];
    private CancellationToken? _started;

    /// <summary>The full-object informer of <paramref name="type"/>.</summary>
    public Informer<JsonObject> For(ResourceType type) => For(type, "object", o => o);

    /// <summary>An informer of <paramref name="type"/> keeping only what <paramref name="transform"/> returns.</summary>
    public Informer<T> For<T>(ResourceType type, string view, Func<JsonObject, T> transform)
        where T : class
    {
        lock (_informers)
        {
            if (_informers.TryGetValue((type.ToString(), view), out var existing))
            {
                return (Informer<T>)existing;
            }

            var informer = new Informer<T>(client, type, transform, time, loggers.CreateLogger($"Berth.Informer.{type.Plural}"));
            _informers[(type.ToString(), view)] = informer;
            _runs.Add(informer.RunAsync);
            _syncs.Add(informer.WaitForSyncAsync);
            if (_started is { } ct)
            {
                _running.Add(Task.Run(() => informer.RunAsync(ct), ct));
            }

            return informer;
        }
    }

    /// <summary>Starts every informer created so far and waits until all have listed once.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        List<Func<CancellationToken, Task>> syncs;
        lock (_informers)
        {
            _started = ct;
            foreach (var run in _runs)
            {
                _running.Add(Task.Run(() => run(ct), ct));
            }

            syncs = [.. _syncs];
        }

        await Task.WhenAll(syncs.Select(s => s(ct)));
    }

    /// <summary>Waits for the informer loops to end after cancellation.</summary>
    public async Task StopAsync()
    {
        Task[] running;
        lock (_informers)
        {
            running = [.. _running];
        }

        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
