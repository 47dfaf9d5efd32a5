using k8s;
using k8s.Models;

namespace Berth.E2E.Workloads;

/// <summary>
/// Watches a namespace's pods with the KubernetesClient package and keeps, in the order the server sent them, what a
/// rollout test asserts on: pods added, pods turning Ready, pods deleted, and the number of serving pods (Ready and
/// not terminating) after every event, with its minimum.
/// </summary>
public sealed class PodWatch : IAsyncDisposable
{
    private readonly Kubernetes _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, bool> _serving = new(StringComparer.Ordinal);
    private readonly HashSet<string> _everReady = new(StringComparer.Ordinal);
    private readonly List<string> _log = [];
    private readonly Task _loop;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PodWatch(Kubernetes client, string ns, string labelSelector)
    {
        _client = client;
        _loop = Task.Run(() => RunAsync(ns, labelSelector));
    }

    /// <summary>The fewest serving pods seen since the watch started (int.MaxValue before any event).</summary>
    public int MinServing { get; private set; } = int.MaxValue;

    public int Serving
    {
        get
        {
            lock (_serving)
            {
                return _serving.Count(p => p.Value);
            }
        }
    }

    /// <summary>"added NAME", "ready NAME", "deleted NAME" lines in watch order ("ended" or "error ..." when the watch stopped early).</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_serving)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>True while the watch has neither ended nor failed: what it saw is the whole story.</summary>
    public bool Intact => !Log.Any(l => l == "ended" || l.StartsWith("error ", StringComparison.Ordinal));

    public static async Task<PodWatch> StartAsync(Kubernetes client, string ns, string labelSelector)
    {
        var w = new PodWatch(client, ns, labelSelector);
        await w._started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return w;
    }

    private async Task RunAsync(string ns, string labelSelector)
    {
        try
        {
            var list = await _client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: _stop.Token);
            lock (_serving)
            {
                foreach (var p in list.Items)
                {
                    Apply(WatchEventType.Added, p, initial: true);
                }

                MinServing = _serving.Count(p => p.Value);
            }

            _started.TrySetResult();
            await foreach (var (type, pod) in _client.CoreV1.WatchListNamespacedPodAsync(ns, labelSelector: labelSelector,
                resourceVersion: list.Metadata.ResourceVersion, cancellationToken: _stop.Token))
            {
                lock (_serving)
                {
                    Apply(type, pod, initial: false);
                    MinServing = Math.Min(MinServing, _serving.Count(p => p.Value));
                }
            }

            lock (_serving)
            {
                _log.Add("ended");
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            _started.TrySetException(e);
            lock (_serving)
            {
                _log.Add("error " + e.Message);
            }
        }
    }

    private void Apply(WatchEventType type, V1Pod pod, bool initial)
    {
        var name = pod.Metadata.Name;
        if (type == WatchEventType.Deleted)
        {
            _serving.Remove(name);
            _log.Add("deleted " + name);
            return;
        }

        if (type == WatchEventType.Added && !initial)
        {
            _log.Add("added " + name);
        }

        var ready = pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
        _serving[name] = ready && pod.Metadata.DeletionTimestamp is null;
        if (ready && _everReady.Add(pod.Metadata.Uid) && !initial)
        {
            _log.Add("ready " + name);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
