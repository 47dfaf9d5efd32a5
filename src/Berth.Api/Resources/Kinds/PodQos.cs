using System.Text.Json.Nodes;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// <c>ComputePodQOS</c> (pkg/apis/core/helper/qos): Guaranteed when every container has cpu and memory limits
/// equal to its requests, BestEffort when no container requests or limits cpu or memory, Burstable otherwise.
/// Requests missing next to a limit count as equal to it, as <c>SetDefaults_Pod</c> would have set them.
/// </summary>
internal static class PodQos
{
    public static string Compute(JsonObject? spec)
    {
        var requests = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var limits = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var guaranteed = true;
        var containers = Nodes.Objects(spec?["containers"]).Concat(Nodes.Objects(spec?["initContainers"]));
        foreach (var (_, c) in containers)
        {
            var containerLimits = Json.Object(c, "resources", "limits") ?? [];
            var containerRequests = Json.Object(c, "resources", "requests") ?? [];
            var effectiveRequests = containerRequests.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            foreach (var (name, value) in containerLimits)
            {
                effectiveRequests.TryAdd(name, value);
            }

            foreach (var (name, value) in effectiveRequests)
            {
                if (name is "cpu" or "memory" && Quantity.Parse(value) is > 0 and var q)
                {
                    requests[name] = requests.GetValueOrDefault(name) + q;
                }
            }

            var found = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, value) in containerLimits)
            {
                if (name is "cpu" or "memory" && Quantity.Parse(value) is > 0 and var q)
                {
                    found.Add(name);
                    limits[name] = limits.GetValueOrDefault(name) + q;
                }
            }

            if (!found.Contains("cpu") || !found.Contains("memory"))
            {
                guaranteed = false;
            }
        }

        if (requests.Count == 0 && limits.Count == 0)
        {
            return "BestEffort";
        }

        if (guaranteed && requests.All(r => limits.TryGetValue(r.Key, out var l) && l == r.Value) && requests.Count == limits.Count)
        {
            return "Guaranteed";
        }

        return "Burstable";
    }
}
