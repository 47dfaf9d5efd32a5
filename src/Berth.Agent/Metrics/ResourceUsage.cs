namespace Berth.Agent.Metrics;

/// <summary>CPU in nanocores and memory working set in bytes, as metrics.k8s.io reports them.</summary>
public sealed record ResourceUsage(ulong CpuNanoCores, ulong MemoryBytes);
