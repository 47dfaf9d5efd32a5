using System.Globalization;
using Berth.Agent.Pods;

namespace Berth.Agent.Metrics;

/// <summary>
/// Resource usage over the last sampling window: the node's, and each pod cgroup's per container cgroup
/// (keyed by pod UID, then by the container cgroup's leaf name, e.g. <c>0123456789ab-web-0</c> or
/// <c>vm-UID</c>). CPU is a rate in nanocores (CPU-nanoseconds per second), memory a working set in bytes.
/// </summary>
public sealed record UsageSnapshot(
    DateTimeOffset Timestamp,
    TimeSpan Window,
    ResourceUsage Node,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, ResourceUsage>> Pods)
{
    public static readonly UsageSnapshot Empty = new(DateTimeOffset.MinValue, TimeSpan.Zero, new ResourceUsage(0, 0),
        new Dictionary<string, IReadOnlyDictionary<string, ResourceUsage>>());

    /// <summary>
    /// The usage of each of a pod's containers that has a rate: a container's cgroup is its container ID
    /// (<c>&lt;uid12&gt;-&lt;name&gt;-&lt;restartCount&gt;</c>, the highest count being the running one); a VM pod's one
    /// cgroup (<c>vm-UID</c>) is its first container's.
    /// </summary>
    public IReadOnlyList<(string Container, ResourceUsage Usage)> ForPod(string uid, IReadOnlyList<string> containerNames)
    {
        if (!Pods.TryGetValue(uid, out var cgroups))
        {
            return [];
        }

        var result = new List<(string, ResourceUsage)>();
        foreach (var name in containerNames)
        {
            var prefix = ContainerSpecFactory.ContainerId(uid, name, 0)[..^1];
            var usage = cgroups.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal))
                .OrderByDescending(c => int.TryParse(c.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
                .Select(c => c.Value)
                .FirstOrDefault();
            if (usage is null && name == containerNames[0] && cgroups.TryGetValue("vm-" + uid, out var vm))
            {
                usage = vm;
            }

            if (usage is not null)
            {
                result.Add((name, usage));
            }
        }

        return result;
    }
}
