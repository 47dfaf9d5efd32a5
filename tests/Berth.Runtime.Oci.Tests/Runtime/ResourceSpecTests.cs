using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Runtime;

[Trait("Tier", "Unit")]
public sealed class ResourceSpecTests
{
    [Theory]
    [InlineData(null, null, 2UL, null)]          // BestEffort: minimum shares, no quota
    [InlineData(100L, null, 102UL, null)]        // 100m request
    [InlineData(1000L, 2000L, 1024UL, 200_000L)] // 1 CPU request, 2 CPU limit
    [InlineData(null, 500L, 512UL, 50_000L)]     // limit only: request defaults to limit
    [InlineData(1L, 5L, 2UL, 1000L)]             // tiny values hit the floors
    public void CpuMirrorsTheKubelet(long? request, long? limit, ulong shares, long? quota)
    {
        var r = ResourceSpec.FromKubernetes("/berth/pod1", request, limit, null);
        Assert.Equal(shares, r.CpuShares);
        Assert.Equal(quota, r.CpuQuotaMicros);
        Assert.Equal(quota is null ? null : 100_000UL, r.CpuPeriodMicros);
        Assert.Equal("/berth/pod1", r.CgroupParent);
    }

    [Fact]
    public void MemoryAndPidsPassThrough()
    {
        var r = ResourceSpec.FromKubernetes("/berth/pod1", null, null, 128L << 20, 512);
        Assert.Equal(128L << 20, r.MemoryLimitBytes);
        Assert.Equal(512, r.PidsLimit);
    }
}
