namespace Berth.Bench.Scenarios;

/// <summary>One boot: seconds from the path's start to the guest's HTTP answering, and the memory then.</summary>
internal sealed record VmBootSample(string Path, double Seconds, double? CreateSeconds, VmBootMemory Memory, double ShimRssMib, double? CgroupUsageMib)
{
    /// <summary>QEMU beyond guest RAM, plus what the runtime adds per VM (the shim).</summary>
    public double OverheadMib => Memory.OverheadMib + ShimRssMib;
}
