using Berth.Api.Streams;
using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Runtime;

[Trait("Tier", "Unit")]
public sealed class LogReadOptionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void PodLogQueryMapsOntoTheReader()
    {
        var r = LogReadOptions.From(new LogOptions { Follow = true, Timestamps = true, TailLines = 10, SinceSeconds = 60, LimitBytes = 100 }, Now);
        Assert.True(r.Follow);
        Assert.True(r.Timestamps);
        Assert.Equal(10, r.TailLines);
        Assert.Equal(Now.AddMinutes(-1), r.Since);
        Assert.Equal(100, r.LimitBytes);
    }

    [Fact]
    public void SinceTimeWinsOverSinceSecondsAndHugeTailsClamp()
    {
        var at = Now.AddHours(-2);
        var r = LogReadOptions.From(new LogOptions { SinceTime = at, SinceSeconds = 5, TailLines = long.MaxValue }, Now);
        Assert.Equal(at, r.Since);
        Assert.Equal(int.MaxValue, r.TailLines);
        Assert.Null(LogReadOptions.From(new LogOptions(), Now).Since);
    }
}
