using Berth.Runtime.Oci.Runtime;
using Microsoft.Extensions.Hosting;

namespace Berth.Agent.Metrics;

/// <summary>
/// Samples the node's and every pod's resource usage every <see cref="Period"/> (the kubelet's cAdvisor
/// housekeeping does the same every 10 s) and keeps the rates over the last window for
/// <c>metrics.k8s.io</c> (<c>kubectl top</c>). Pod cgroups are <c>/berth/pod&lt;UID&gt;</c> with one child
/// per container (OCI containers and a VM's <c>vm-&lt;UID&gt;</c>); a cgroup needs two samples before it
/// has a rate, so a pod appears one period after it started.
/// </summary>
public sealed class UsageSampler : BackgroundService
{
    private readonly TimeProvider _time;
    private readonly string? _cpuRoot;
    private readonly string? _memoryRoot;
    private readonly bool _v2;
    private readonly string _procStat;
    private readonly string _procMeminfo;
    private Dictionary<string, (ulong Cpu, ulong Memory)> _previous = [];
    private (ulong Cpu, ulong Memory) _previousNode;
    private DateTimeOffset _previousAt;
    private volatile UsageSnapshot _snapshot = UsageSnapshot.Empty;

    /// <summary>Samples this host's cgroups (under <c>/berth</c>), /proc/stat and /proc/meminfo.</summary>
    public UsageSampler(TimeProvider time)
        : this(time, Cgroups.Directory("/berth", "cpuacct"), Cgroups.Directory("/berth", "memory"), Cgroups.IsV2(), "/proc/stat", "/proc/meminfo")
    {
    }

    /// <summary>Samples the given roots (each holding <c>pod&lt;UID&gt;/&lt;container&gt;</c> directories): for tests.</summary>
    public UsageSampler(TimeProvider time, string? cpuRoot, string? memoryRoot, bool v2, string procStat, string procMeminfo)
    {
        _time = time;
        _cpuRoot = cpuRoot;
        _memoryRoot = memoryRoot;
        _v2 = v2;
        _procStat = procStat;
        _procMeminfo = procMeminfo;
    }

    public static TimeSpan Period { get; } = TimeSpan.FromSeconds(5);

    /// <summary>The rates over the last window (empty until two samples were taken).</summary>
    public UsageSnapshot Snapshot => _snapshot;

    /// <summary>Takes one sample and, from the second on, publishes the rates since the previous one.</summary>
    public void Sample()
    {
        var now = _time.GetUtcNow();
        var node = CgroupUsage.ReadNode(_procStat, _procMeminfo);
        var current = new Dictionary<string, (ulong Cpu, ulong Memory)>(StringComparer.Ordinal);
        foreach (var (pod, container) in ContainerCgroups())
        {
            if (CgroupUsage.Read(Path.Combine(_cpuRoot!, pod, container), Path.Combine(_memoryRoot!, pod, container), _v2) is { } usage)
            {
                current[pod + "/" + container] = (usage.CpuNanoseconds, usage.WorkingSetBytes);
            }
        }

        if (_previousAt != default && now > _previousAt)
        {
            var seconds = (now - _previousAt).TotalSeconds;
            var pods = new Dictionary<string, Dictionary<string, ResourceUsage>>(StringComparer.Ordinal);
            foreach (var (key, value) in current)
            {
                if (!_previous.TryGetValue(key, out var before) || value.Cpu < before.Cpu)
                {
                    continue;
                }

                var slash = key.IndexOf('/');
                var uid = key[3..slash];
                if (!pods.TryGetValue(uid, out var containers))
                {
                    pods[uid] = containers = new Dictionary<string, ResourceUsage>(StringComparer.Ordinal);
                }

                containers[key[(slash + 1)..]] = new ResourceUsage((ulong)((value.Cpu - before.Cpu) / seconds), value.Memory);
            }

            var nodeCpu = node.CpuNanoseconds >= _previousNode.Cpu ? (ulong)((node.CpuNanoseconds - _previousNode.Cpu) / seconds) : 0;
            _snapshot = new UsageSnapshot(now, now - _previousAt, new ResourceUsage(nodeCpu, node.WorkingSetBytes),
                pods.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, ResourceUsage>)p.Value, StringComparer.Ordinal));
        }

        _previous = current;
        _previousNode = node;
        _previousAt = now;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, _time);
        do
        {
            try
            {
                Sample();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
            {
                // A racing container removal or an unreadable /proc file: the next period samples again.
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private IEnumerable<(string Pod, string Container)> ContainerCgroups()
    {
        if (_cpuRoot is null || _memoryRoot is null || !Directory.Exists(_cpuRoot))
        {
            yield break;
        }

        foreach (var podDir in Directory.EnumerateDirectories(_cpuRoot, "pod*"))
        {
            string[] children;
            try
            {
                children = Directory.GetDirectories(podDir);
            }
            catch (DirectoryNotFoundException)
            {
                continue;
            }

            foreach (var child in children)
            {
                yield return (Path.GetFileName(podDir), Path.GetFileName(child));
            }
        }
    }
}
