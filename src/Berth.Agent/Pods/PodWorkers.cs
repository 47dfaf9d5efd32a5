using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Berth.Api.Resources;
using Berth.Runtime.Oci.Runtime;
using k8s;
using k8s.Models;

namespace Berth.Agent.Pods;

/// <summary>
/// The node's pod workers, one per pod UID bound here: created on the first sight of a pod, fed its updates, told
/// when it is gone, and removed once it has cleaned up. Also the exit monitor (the kubelet's PLEG, reduced): every
/// <see cref="AgentOptions.ContainerCheckInterval"/> it checks that each running container's process still exists
/// and wakes the worker of one that has gone.
/// </summary>
internal sealed class PodWorkers(PodWorkerContext context)
{
    private readonly ConcurrentDictionary<string, (PodWorker Worker, Task Loop)> _workers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyList<ContainerStatus>> _adoptable = new(StringComparer.Ordinal);
    private CancellationToken _stopping;

    public int Count => _workers.Count;

    public PodWorker? Find(string uid) => _workers.TryGetValue(uid, out var w) ? w.Worker : null;

    /// <summary>Containers found at start-up, by pod UID, handed to each pod's worker when it is created.</summary>
    public void SetAdoptable(IEnumerable<ContainerStatus> containers)
    {
        foreach (var g in containers.Where(c => c.SandboxId is not null && c.Annotations.ContainsKey(ContainerAnnotations.PodUid)).GroupBy(c => c.SandboxId!))
        {
            _adoptable[g.Key] = g.ToList();
        }
    }

    public void Start(CancellationToken stopping) => _stopping = stopping;

    public void Upsert(JsonObject raw)
    {
        var uid = Json.String(raw, "metadata", "uid");
        if (string.IsNullOrEmpty(uid))
        {
            return;
        }

        if (_workers.TryGetValue(uid, out var existing))
        {
            existing.Worker.Update(raw);
            return;
        }

        var pod = KubernetesJson.Deserialize<V1Pod>(raw.ToJsonString());
        var worker = new PodWorker(context, pod, raw);
        if (_adoptable.TryRemove(uid, out var adopted))
        {
            worker.Adopt(adopted);
            PodWorkerLog.Adopted(context.Logger, worker.Namespace, worker.Name, adopted.Count);
        }

        var loop = Task.Run(async () =>
        {
            try
            {
                await worker.RunAsync(_stopping);
            }
            finally
            {
                if (!_stopping.IsCancellationRequested)
                {
                    _workers.TryRemove(uid, out _);
                }
            }
        });
        _workers[uid] = (worker, loop);
    }

    public void Remove(string uid)
    {
        if (_workers.TryGetValue(uid, out var w))
        {
            w.Worker.MarkGone();
        }
    }

    /// <summary>Every known UID not in <paramref name="live"/> is gone (after a re-list).</summary>
    public void RemoveAllExcept(IReadOnlySet<string> live)
    {
        foreach (var uid in _workers.Keys)
        {
            if (!live.Contains(uid))
            {
                Remove(uid);
            }
        }
    }

    /// <summary>Checks running containers' processes until <paramref name="ct"/>; a vanished process wakes its pod's worker.</summary>
    public async Task MonitorExitsAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(context.Options.ContainerCheckInterval, context.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                foreach (var (_, (worker, _)) in _workers)
                {
                    foreach (var (_, pid) in worker.RunningProcesses())
                    {
                        if (!Directory.Exists($"/proc/{pid}") || IsZombie(pid))
                        {
                            worker.Signal();
                            break;
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Waits for the workers' loops to return after the agent was told to stop.</summary>
    public async Task DrainAsync()
    {
        try
        {
            await Task.WhenAll(_workers.Values.Select(w => w.Loop)).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>Gone, or a zombie (exited, not yet reaped).</summary>
    private static bool IsZombie(int pid) => ProcessInfo.State(pid) is null or 'Z' or 'X';
}
