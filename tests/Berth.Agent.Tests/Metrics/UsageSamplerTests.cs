using Berth.Agent.Metrics;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Berth.Agent.Tests.Metrics;

/// <summary>Rates from cumulative counters over the sampling window, on a fake cgroup tree (v1 and v2 file names).</summary>
[Trait("Tier", "Unit")]
public sealed class UsageSamplerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bt-usage-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ContainerAndNodeRatesComeFromTwoSamples(bool v2)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var cpu = Path.Combine(_root, "cpu");
        var mem = v2 ? cpu : Path.Combine(_root, "memory");
        const string pod = "podaaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
        WriteContainer(cpu, mem, pod, "aaaaaaaabbbb-web-0", v2, cpuNs: 1_000_000_000, usage: 50 << 20, inactive: 10 << 20);
        WriteNode(busyTicks: 1000, totalKb: 4_000_000, availableKb: 3_000_000);
        var sampler = new UsageSampler(time, cpu, mem, v2, Path.Combine(_root, "stat"), Path.Combine(_root, "meminfo"));

        sampler.Sample();
        Assert.Empty(sampler.Snapshot.Pods);

        // 5 s later: 0.25 s of CPU more (50 millicores); node busy 200 ticks more (2 s over 5 s = 400 millicores).
        time.Advance(TimeSpan.FromSeconds(5));
        WriteContainer(cpu, mem, pod, "aaaaaaaabbbb-web-0", v2, cpuNs: 1_250_000_000, usage: 60 << 20, inactive: 20 << 20);
        WriteNode(busyTicks: 1200, totalKb: 4_000_000, availableKb: 2_500_000);
        sampler.Sample();

        var snapshot = sampler.Snapshot;
        Assert.Equal(TimeSpan.FromSeconds(5), snapshot.Window);
        var usage = snapshot.Pods["aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"]["aaaaaaaabbbb-web-0"];
        Assert.Equal(50_000_000UL, usage.CpuNanoCores);
        Assert.Equal(40UL << 20, usage.MemoryBytes);
        Assert.Equal(400_000_000UL, snapshot.Node.CpuNanoCores);
        Assert.Equal(1_500_000UL * 1024, snapshot.Node.MemoryBytes);

        // A container that went away is dropped; a new one waits for its second sample.
        Directory.Delete(Path.Combine(cpu, pod, "aaaaaaaabbbb-web-0"), recursive: true);
        WriteContainer(cpu, mem, pod, "aaaaaaaabbbb-web-1", v2, cpuNs: 5, usage: 1 << 20, inactive: 0);
        time.Advance(TimeSpan.FromSeconds(5));
        sampler.Sample();
        Assert.Empty(sampler.Snapshot.Pods);
    }

    private static void WriteContainer(string cpuRoot, string memRoot, string pod, string container, bool v2, ulong cpuNs, ulong usage, ulong inactive)
    {
        var c = Directory.CreateDirectory(Path.Combine(cpuRoot, pod, container)).FullName;
        var m = Directory.CreateDirectory(Path.Combine(memRoot, pod, container)).FullName;
        if (v2)
        {
            File.WriteAllText(Path.Combine(c, "cpu.stat"), $"usage_usec {cpuNs / 1000}\nuser_usec 1\nsystem_usec 1\n");
            File.WriteAllText(Path.Combine(m, "memory.current"), $"{usage}\n");
            File.WriteAllText(Path.Combine(m, "memory.stat"), $"anon 1\nfile 2\ninactive_anon 3\ninactive_file {inactive}\n");
        }
        else
        {
            File.WriteAllText(Path.Combine(c, "cpuacct.usage"), $"{cpuNs}\n");
            File.WriteAllText(Path.Combine(m, "memory.usage_in_bytes"), $"{usage}\n");
            File.WriteAllText(Path.Combine(m, "memory.stat"), $"cache 1\ninactive_file 999\ntotal_inactive_file {inactive}\n");
        }
    }

    private void WriteNode(ulong busyTicks, ulong totalKb, ulong availableKb)
    {
        // user nice system idle iowait irq softirq steal: busy = user + system here.
        File.WriteAllText(Path.Combine(_root, "stat"), $"cpu  {busyTicks - 100} 0 100 99999 50 0 0 0 0 0\ncpu0 1 0 0 0 0 0 0 0 0 0\n");
        File.WriteAllText(Path.Combine(_root, "meminfo"), $"MemTotal:       {totalKb} kB\nMemFree:         1000 kB\nMemAvailable:   {availableKb} kB\n");
    }
}
