using Berth.Scheduler.Model;

namespace Berth.Scheduler.Indexes;

/// <summary>
/// Per-node counts of placed pods matching a predicate, keyed by the predicate's canonical form and kept
/// up to date as pods are placed and removed. This replaces kube-scheduler's per-cycle scan of every pod on
/// every node (PodTopologySpread and InterPodAffinity PreFilter): an entry is built once, by one scan, the
/// first time a pod asks for it; afterwards each placement costs one predicate test per entry.
/// </summary>
internal sealed class PodCountIndex(ClusterState state)
{
    private readonly Dictionary<string, PodCountEntry> _entries = new(StringComparer.Ordinal);
    private PodCountEntry[] _list = [];

    public PodCountEntry Get(string key, Func<PodInfo, bool> match)
    {
        if (_entries.TryGetValue(key, out var e))
        {
            return e;
        }

        e = new PodCountEntry(match, state.Nodes.Length);
        foreach (var n in state.Nodes)
        {
            foreach (var p in n.Pods)
            {
                if (match(p))
                {
                    e.PerNode[n.Index]++;
                    e.Total++;
                }
            }
        }

        _entries[key] = e;
        _list = [.. _list, e];
        return e;
    }

    public void OnPlaced(PodInfo pod, int node, int delta)
    {
        foreach (var e in _list)
        {
            if (e.Match(pod))
            {
                e.PerNode[node] += delta;
                e.Total += delta;
            }
        }
    }
}
