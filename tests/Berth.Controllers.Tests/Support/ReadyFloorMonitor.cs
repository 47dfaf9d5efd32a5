using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Controllers.Tests.Support;

/// <summary>
/// Watches the pods of a namespace and records, after every change, how many are Ready and not terminating
/// (the floor a rolling update must keep) and how many are live (not finished, not terminating). Samples start once the first list is in.
/// </summary>
public sealed class ReadyFloorMonitor : IDisposable
{
    private readonly Informer<JsonObject> _pods;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private Task? _run;
    private int _min = int.MaxValue;
    private int _maxTotal;
    private int _samples;
    private readonly List<string> _log = [];

    public ReadyFloorMonitor(TestCluster cluster, string ns)
    {
        _pods = new Informer<JsonObject>(cluster.Api, cluster.Pods, o => o, TimeProvider.System, NullLogger.Instance, ns);
        _pods.OnAdd(_ => Sample());
        _pods.OnUpdate((_, _) => Sample());
        _pods.OnDelete(_ => Sample());
    }

    public async Task StartAsync()
    {
        _run = Task.Run(() => _pods.RunAsync(_stop.Token));
        await _pods.WaitForSyncAsync(_stop.Token);
        _synced = true;
        Sample();
    }

    private volatile bool _synced;

    private void Sample()
    {
        if (!_synced)
        {
            return;
        }

        var live = _pods.List().Where(p => Json.String(p, "metadata", "deletionTimestamp") is null
            && Json.String(p, "status", "phase") is not ("Succeeded" or "Failed")).ToList();
        var ready = live.Count(p => (Json.Array(p, "status", "conditions") ?? []).OfType<JsonObject>()
            .Any(c => Json.String(c, "type") == "Ready" && Json.String(c, "status") == "True"));
        lock (_lock)
        {
            _min = Math.Min(_min, ready);
            _maxTotal = Math.Max(_maxTotal, live.Count);
            _samples++;
            _log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} ready {ready} live {live.Count}: {string.Join(",", live.Select(p => Json.String(p, "metadata", "name")))}");
        }
    }

    public async Task<(int Min, int MaxTotal, int Samples)> StopAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run;
        }

        lock (_lock)
        {
            return (_min, _maxTotal, _samples);
        }
    }

    public string Log
    {
        get
        {
            lock (_lock)
            {
                return string.Join("\n", _log);
            }
        }
    }

    public void Dispose() => _stop.Dispose();
}
