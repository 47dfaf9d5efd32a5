using System.Globalization;
using k8s.Models;

namespace Berth.Scheduler.Tests.Property;

/// <summary>
/// A deliberately naive re-statement of the Kubernetes filter rules, written from the API documentation and
/// sharing no code with the scheduler: every question is answered by scanning every pod. It judges whether a
/// pod may sit on a node, and whether a reason given for rejecting a node is true.
/// </summary>
internal sealed class IndependentChecker(IReadOnlyList<V1Node> nodes)
{
    public List<(V1Pod Pod, string Node)> Placed { get; } = [];

    public void Place(V1Pod pod, string node) => Placed.Add((pod, node));

    public void Remove(string ns, string name) => Placed.RemoveAll(p => p.Pod.Metadata.NamespaceProperty == ns && p.Pod.Metadata.Name == name);

    private V1Node Node(string name) => nodes.Single(n => n.Metadata.Name == name);

    private static string? Get(IDictionary<string, string>? labels, string key) => labels is not null && labels.TryGetValue(key, out var v) ? v : null;

    /// <summary>Every reason that is true of this pod on this node (empty: the pod fits).</summary>
    public List<string> TrueReasons(V1Pod pod, V1Node node)
    {
        var reasons = new List<string>();
        var name = node.Metadata.Name;
        var tolerations = pod.Spec.Tolerations ?? [];

        if (node.Spec?.Unschedulable == true && !tolerations.Any(t => Tolerates(t, "node.kubernetes.io/unschedulable", "", "NoSchedule")))
        {
            reasons.Add("node(s) were unschedulable");
        }

        if (!string.IsNullOrEmpty(pod.Spec.NodeName) && pod.Spec.NodeName != name)
        {
            reasons.Add("node(s) didn't match the requested node name");
        }

        foreach (var t in Taints(node))
        {
            if (t.Effect is "NoSchedule" or "NoExecute" && !tolerations.Any(x => Tolerates(x, t.Key, t.Value ?? "", t.Effect)))
            {
                reasons.Add($"node(s) had untolerated taint {{{t.Key}: {t.Value}}}");
            }
        }

        if (!NodeAffinityMatches(pod, node))
        {
            reasons.Add("node(s) didn't match Pod's node affinity/selector");
        }

        var pinned = PinnedNames(pod);
        if (pinned is not null && !pinned.Contains(name))
        {
            reasons.Add("node(s) didn't satisfy plugin(s) [NodeAffinity]");
        }

        var here = Placed.Where(p => p.Node == name).Select(p => p.Pod).ToList();
        var usedPorts = here.SelectMany(HostPorts).ToList();
        if (HostPorts(pod).Any(w => usedPorts.Contains(w)))
        {
            reasons.Add("node(s) didn't have free ports for the requested pod ports");
        }

        var alloc = node.Status.Allocatable;
        if (here.Count + 1 > (int)alloc["pods"].ToDecimal())
        {
            reasons.Add("Too many pods");
        }

        foreach (var (resource, scale) in new[] { ("cpu", 1000m), ("memory", 1m) })
        {
            var want = Request(pod, resource, scale);
            var used = here.Sum(p => Request(p, resource, scale));
            if (want > 0 && want + used > alloc[resource].ToDecimal() * scale)
            {
                reasons.Add("Insufficient " + resource);
            }
        }

        foreach (var c in (pod.Spec.TopologySpreadConstraints ?? []).Where(c => c.WhenUnsatisfiable == "DoNotSchedule"))
        {
            if (!node.Metadata.Labels.ContainsKey(c.TopologyKey))
            {
                reasons.Add("node(s) didn't match pod topology spread constraints (missing required label)");
            }
            else if (SpreadSkewTooBig(pod, c, node))
            {
                reasons.Add("node(s) didn't match pod topology spread constraints");
            }
        }

        var affinity = pod.Spec.Affinity?.PodAffinity?.RequiredDuringSchedulingIgnoredDuringExecution ?? [];
        if (affinity.Count > 0 && !AffinitySatisfied(pod, affinity, node))
        {
            reasons.Add("node(s) didn't match pod affinity rules");
        }

        foreach (var t in pod.Spec.Affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution ?? [])
        {
            if (node.Metadata.Labels.TryGetValue(t.TopologyKey, out var v)
                && Placed.Any(p => TermMatches(t, pod, p.Pod) && Get(Node(p.Node).Metadata.Labels, t.TopologyKey) == v))
            {
                reasons.Add("node(s) didn't match pod anti-affinity rules");
            }
        }

        foreach (var (other, otherNode) in Placed)
        {
            foreach (var t in other.Spec.Affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution ?? [])
            {
                if (TermMatches(t, other, pod) && Node(otherNode).Metadata.Labels.TryGetValue(t.TopologyKey, out var v)
                    && Get(node.Metadata.Labels, t.TopologyKey) == v)
                {
                    reasons.Add("node(s) didn't satisfy existing pods anti-affinity rules");
                }
            }
        }

        return reasons;
    }

    private static IEnumerable<V1Taint> Taints(V1Node node)
    {
        var taints = (node.Spec?.Taints ?? []).ToList();
        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status;
        if (ready == "False")
        {
            taints.Add(new V1Taint { Key = "node.kubernetes.io/not-ready", Value = "", Effect = "NoSchedule" });
        }
        else if (ready != "True")
        {
            taints.Add(new V1Taint { Key = "node.kubernetes.io/unreachable", Value = "", Effect = "NoSchedule" });
        }

        return taints;
    }

    private static bool Tolerates(V1Toleration t, string key, string value, string effect) =>
        (string.IsNullOrEmpty(t.Effect) || t.Effect == effect)
        && (string.IsNullOrEmpty(t.Key) || t.Key == key)
        && (t.OperatorProperty == "Exists" || (t.Value ?? "") == value);

    private static bool NodeAffinityMatches(V1Pod pod, V1Node node)
    {
        var labels = node.Metadata.Labels;
        foreach (var (k, v) in pod.Spec.NodeSelector ?? new Dictionary<string, string>())
        {
            if (Get(labels, k) != v)
            {
                return false;
            }
        }

        var terms = pod.Spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        if (terms is null)
        {
            return true;
        }

        return terms.Any(term =>
            (term.MatchExpressions ?? []).All(e => ExpressionMatches(e, labels))
            && (term.MatchFields ?? []).All(f => f.Values.Contains(node.Metadata.Name) == (f.OperatorProperty == "In"))
            && ((term.MatchExpressions?.Count ?? 0) + (term.MatchFields?.Count ?? 0)) > 0);
    }

    private static bool ExpressionMatches(V1NodeSelectorRequirement e, IDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(e.Key, out var v);
        return e.OperatorProperty switch
        {
            "In" => has && e.Values.Contains(v),
            "NotIn" => !has || !e.Values.Contains(v),
            "Exists" => has,
            "DoesNotExist" => !has,
            "Gt" => has && long.Parse(v!, CultureInfo.InvariantCulture) > long.Parse(e.Values[0], CultureInfo.InvariantCulture),
            "Lt" => has && long.Parse(v!, CultureInfo.InvariantCulture) < long.Parse(e.Values[0], CultureInfo.InvariantCulture),
            _ => false,
        };
    }

    private static HashSet<string>? PinnedNames(V1Pod pod)
    {
        var terms = pod.Spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        if (terms is null || terms.Any(t => !(t.MatchFields ?? []).Any(f => f.OperatorProperty == "In")))
        {
            return null;
        }

        return terms.SelectMany(t => t.MatchFields.Where(f => f.OperatorProperty == "In").SelectMany(f => f.Values)).ToHashSet();
    }

    private static List<(string, string, int)> HostPorts(V1Pod pod) =>
        pod.Spec.Containers.SelectMany(c => c.Ports ?? []).Where(p => p.HostPort > 0)
            .Select(p => (p.Protocol ?? "TCP", p.HostIP ?? "0.0.0.0", p.HostPort!.Value)).ToList();

    /// <summary>max(sum of app containers, each init container), in millicores or bytes.</summary>
    private static decimal Request(V1Pod pod, string resource, decimal scale)
    {
        static decimal Of(V1Container c, string r, decimal scale) =>
            c.Resources?.Requests is { } req && req.TryGetValue(r, out var q) ? Math.Ceiling(q.ToDecimal() * scale) : 0;
        var apps = pod.Spec.Containers.Sum(c => Of(c, resource, scale));
        var init = (pod.Spec.InitContainers ?? []).Select(c => Of(c, resource, scale)).DefaultIfEmpty(0).Max();
        return Math.Max(apps, init);
    }

    private static bool SelectorMatches(V1LabelSelector s, V1Pod pod) =>
        s.MatchLabels.All(kv => Get(pod.Metadata.Labels, kv.Key) == kv.Value);

    private static bool TermMatches(V1PodAffinityTerm t, V1Pod owner, V1Pod candidate) =>
        candidate.Metadata.NamespaceProperty == owner.Metadata.NamespaceProperty && SelectorMatches(t.LabelSelector, candidate);

    private bool SpreadSkewTooBig(V1Pod pod, V1TopologySpreadConstraint c, V1Node node)
    {
        var hardKeys = pod.Spec.TopologySpreadConstraints.Where(x => x.WhenUnsatisfiable == "DoNotSchedule").Select(x => x.TopologyKey).ToList();
        var eligible = nodes.Where(n => hardKeys.All(n.Metadata.Labels.ContainsKey) && NodeAffinityMatches(pod, n)).ToList();
        var domains = eligible.Select(n => n.Metadata.Labels[c.TopologyKey]).Distinct().ToList();
        int Count(string domain) => Placed.Count(p =>
            p.Pod.Metadata.NamespaceProperty == pod.Metadata.NamespaceProperty
            && p.Pod.Metadata.DeletionTimestamp is null
            && SelectorMatches(c.LabelSelector, p.Pod)
            && eligible.Any(n => n.Metadata.Name == p.Node && n.Metadata.Labels[c.TopologyKey] == domain));
        var min = domains.Count == 0 ? int.MaxValue : domains.Min(Count);
        if (c.MinDomains is int md && domains.Count < md)
        {
            min = 0;
        }

        var value = node.Metadata.Labels[c.TopologyKey];
        var self = SelectorMatches(c.LabelSelector, pod) ? 1 : 0;
        var here = domains.Contains(value) ? Count(value) : 0;
        return (long)here + self - min > c.MaxSkew;
    }

    private bool AffinitySatisfied(V1Pod pod, IList<V1PodAffinityTerm> terms, V1Node node)
    {
        if (terms.Any(t => !node.Metadata.Labels.ContainsKey(t.TopologyKey)))
        {
            return false;
        }

        var matching = Placed.Where(p => terms.All(t => TermMatches(t, pod, p.Pod))).ToList();
        var satisfied = terms.All(t => matching.Any(p =>
            Get(Node(p.Node).Metadata.Labels, t.TopologyKey) == node.Metadata.Labels[t.TopologyKey]));
        if (satisfied)
        {
            return true;
        }

        // No pod anywhere matches (on a node that has a term's key) and the pod matches its own terms.
        var anyAnywhere = matching.Any(p => terms.Any(t => Node(p.Node).Metadata.Labels.ContainsKey(t.TopologyKey)));
        return !anyAnywhere && terms.All(t => TermMatches(t, pod, pod));
    }
}
