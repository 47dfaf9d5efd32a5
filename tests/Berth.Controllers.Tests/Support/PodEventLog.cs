using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Controllers.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Berth.Controllers.Tests.Support;

/// <summary>
/// Records, in the order the watch delivers them, pod creations and deletions (terminating or gone) in a
/// namespace, with the names of the pods that were Running and Ready at that moment.
/// </summary>
public sealed class PodEventLog : IDisposable
{
    private readonly Informer<JsonObject> _pods;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<(string Kind, string Pod, HashSet<string> ReadyThen)> _entries = [];
    private readonly HashSet<string> _terminating = [];
    private Task? _run;
    private volatile bool _synced;

    public PodEventLog(TestCluster cluster, string ns)
    {
        _pods = new Informer<JsonObject>(cluster.Api, cluster.Pods, o => o, TimeProvider.System, NullLogger.Instance, ns);
        _pods.OnAdd(p => Record("create", p));
        _pods.OnUpdate((_, p) =>
        {
            if (Json.String(p, "metadata", "deletionTimestamp") is not null)
            {
                Record("delete", p);
            }
        });
        _pods.OnDelete(p => Record("delete", p));
    }

    public async Task StartAsync()
    {
        _run = Task.Run(() => _pods.RunAsync(_stop.Token));
        await _pods.WaitForSyncAsync(_stop.Token);
        _synced = true;
    }

    private void Record(string kind, JsonObject pod)
    {
        if (!_synced)
        {
            return;
        }

        var name = Json.String(pod, "metadata", "name")!;
        var ready = _pods.List().Where(p => p != pod && Json.String(p, "metadata", "deletionTimestamp") is null
            && Json.String(p, "status", "phase") == "Running"
            && (Json.Array(p, "status", "conditions") ?? []).OfType<JsonObject>().Any(c => Json.String(c, "type") == "Ready" && Json.String(c, "status") == "True"))
            .Select(p => Json.String(p, "metadata", "name")!).ToHashSet();
        lock (_lock)
        {
            if (kind == "delete" && !_terminating.Add(name + Json.String(pod, "metadata", "uid")))
            {
                return;
            }

            _entries.Add((kind, name, ready));
        }
    }

    public List<(string Kind, string Pod, HashSet<string> ReadyThen)> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    public override string ToString() => string.Join("; ", Entries.Select(e => $"{e.Kind} {e.Pod} (ready: {string.Join(",", e.ReadyThen.Order())})"));

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _run?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }
}
