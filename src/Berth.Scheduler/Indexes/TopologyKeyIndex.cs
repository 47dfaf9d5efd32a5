namespace Berth.Scheduler.Indexes;

/// <summary>
/// The domains of one topology key (e.g. <c>topology.kubernetes.io/zone</c>): each node's domain id, or -1
/// when the node lacks the label. Nodes do not change within a <see cref="ClusterState"/>, so this is built once.
/// </summary>
internal sealed class TopologyKeyIndex
{
    public TopologyKeyIndex(string key, IReadOnlyList<Model.NodeInfo> nodes)
    {
        Key = key;
        DomainOf = new int[nodes.Count];
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Labels.TryGetValue(key, out var v))
            {
                if (!ids.TryGetValue(v, out var id))
                {
                    id = ids.Count;
                    ids[v] = id;
                    Values.Add(v);
                }

                DomainOf[i] = id;
            }
            else
            {
                DomainOf[i] = -1;
            }
        }
    }

    public string Key { get; }

    /// <summary>Node index → domain id, -1 when the node has no such label.</summary>
    public int[] DomainOf { get; }

    /// <summary>Domain id → label value.</summary>
    public List<string> Values { get; } = [];

    public int DomainCount => Values.Count;
}
