using Berth.Scheduler.Matching;
using Berth.Scheduler.Model;

namespace Berth.Scheduler.Indexes;

/// <summary>
/// The affinity terms of placed pods, grouped by identical term: what InterPodAffinity's PreFilter computes as
/// <c>existingAntiAffinityCounts</c> and its PreScore from existing pods' terms, kept incrementally so an
/// incoming pod only tests each distinct term once instead of every pod.
/// </summary>
internal sealed class ExistingTermIndex(ClusterState state)
{
    private readonly Dictionary<string, TermGroup> _groups = new(StringComparer.Ordinal);

    public List<TermGroup> RequiredAnti { get; } = [];

    /// <summary>Groups that score: required affinity, preferred affinity and preferred anti-affinity.</summary>
    public List<TermGroup> Scoring { get; } = [];

    public void OnPlaced(PodInfo pod, int node, int delta)
    {
        foreach (var t in pod.RequiredAntiAffinity)
        {
            Update(t, TermKind.RequiredAnti, 0, node, delta);
        }

        foreach (var t in pod.RequiredAffinity)
        {
            Update(t, TermKind.RequiredAffinity, 0, node, delta);
        }

        foreach (var t in pod.PreferredAffinity)
        {
            Update(t.Term, TermKind.PreferredAffinity, t.Weight, node, delta);
        }

        foreach (var t in pod.PreferredAntiAffinity)
        {
            Update(t.Term, TermKind.PreferredAnti, t.Weight, node, delta);
        }
    }

    private void Update(AffinityTerm term, TermKind kind, int weight, int node, int delta)
    {
        var key = $"{kind}|{weight}|{term.TopologyKey}|{term.Key}";
        if (!_groups.TryGetValue(key, out var g))
        {
            g = new TermGroup(term, kind, weight, state.Topology(term.TopologyKey));
            _groups[key] = g;
            (kind == TermKind.RequiredAnti ? RequiredAnti : Scoring).Add(g);
        }

        var d = g.Topology.DomainOf[node];
        if (d >= 0)
        {
            g.CountByDomain[d] += delta;
            g.Total += delta;
        }
    }
}
