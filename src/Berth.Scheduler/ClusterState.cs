using Berth.Scheduler.Indexes;
using Berth.Scheduler.Matching;
using Berth.Scheduler.Model;
using k8s.Models;

namespace Berth.Scheduler;

/// <summary>
/// The scheduler's working copy of a <see cref="ClusterSnapshot"/>: nodes with running totals and the indexes
/// that make a scheduling cycle cheap (topology domains, per-selector pod counts, existing pods' affinity
/// terms). Built once per snapshot (O(nodes + pods)); pods placed during a batch update it incrementally.
/// Not thread-safe; one batch at a time.
/// </summary>
public sealed class ClusterState
{
    private readonly Dictionary<string, TopologyKeyIndex> _topologies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodInfo> _pods = new(StringComparer.Ordinal);

    private ClusterState(ClusterSnapshot snapshot, SchedulerConfig config)
    {
        NamespaceLabels = new NamespaceLabels(snapshot.Namespaces);
        Nodes = new NodeInfo[snapshot.Nodes.Count];
        for (var i = 0; i < Nodes.Length; i++)
        {
            Nodes[i] = new NodeInfo(i, snapshot.Nodes[i], config.TaintNotReadyNodes);
            NodesByName[Nodes[i].Name] = Nodes[i];
        }

        Counts = new PodCountIndex(this);
        Terms = new ExistingTermIndex(this);

        foreach (var pod in snapshot.Pods)
        {
            var nodeName = pod.Spec?.NodeName;
            if (string.IsNullOrEmpty(nodeName) || pod.Status?.Phase is "Succeeded" or "Failed"
                || !NodesByName.TryGetValue(nodeName, out var node))
            {
                continue;
            }

            Place(new PodInfo(pod, NamespaceLabels), node);
        }
    }

    /// <summary>Builds the working state for a snapshot.</summary>
    public static ClusterState FromSnapshot(ClusterSnapshot snapshot, SchedulerConfig? config = null) =>
        new(snapshot, config ?? SchedulerConfig.Default);

    public int NodeCount => Nodes.Length;

    /// <summary>Pods on nodes, including those placed by earlier batches on this state.</summary>
    public int PodCount => _pods.Count;

    internal NodeInfo[] Nodes { get; }

    internal Dictionary<string, NodeInfo> NodesByName { get; } = new(StringComparer.Ordinal);

    internal NamespaceLabels NamespaceLabels { get; }

    internal PodCountIndex Counts { get; }

    internal ExistingTermIndex Terms { get; }

    /// <summary>Where the next cycle starts looking at nodes (kube-scheduler's <c>nextStartNodeIndex</c>), so that load rotates.</summary>
    internal int NextStartNodeIndex { get; set; }

    internal TopologyKeyIndex Topology(string key)
    {
        if (!_topologies.TryGetValue(key, out var t))
        {
            t = new TopologyKeyIndex(key, Nodes);
            _topologies[key] = t;
        }

        return t;
    }

    internal PodInfo? FindPlaced(string key) => _pods.GetValueOrDefault(key);

    internal void Place(PodInfo pod, NodeInfo node)
    {
        if (_pods.TryGetValue(pod.Key, out var old))
        {
            Remove(old);
        }

        node.Add(pod);
        pod.NodeIndex = node.Index;
        _pods[pod.Key] = pod;
        Counts.OnPlaced(pod, node.Index, +1);
        Terms.OnPlaced(pod, node.Index, +1);
    }

    internal void Remove(PodInfo pod)
    {
        if (pod.NodeIndex < 0)
        {
            return;
        }

        var node = Nodes[pod.NodeIndex];
        node.Remove(pod);
        Counts.OnPlaced(pod, node.Index, -1);
        Terms.OnPlaced(pod, node.Index, -1);
        _pods.Remove(pod.Key);
        pod.NodeIndex = -1;
    }

    internal PodInfo Compile(V1Pod pod) => new(pod, NamespaceLabels);
}
