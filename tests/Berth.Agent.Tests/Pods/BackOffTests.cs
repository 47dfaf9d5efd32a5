using Berth.Agent.Pods;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Berth.Agent.Tests.Pods;

[Trait("Tier", "Unit")]
public sealed class BackOffTests
{
    [Fact]
    public void DoublesFromTenSecondsToFiveMinutes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var b = new BackOff(time, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));
        var seen = new List<double>();
        for (var i = 0; i < 8; i++)
        {
            b.Next("k", time.GetUtcNow());
            seen.Add(b.Get("k").TotalSeconds);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([10, 20, 40, 80, 160, 300, 300, 300], seen);
    }

    [Fact]
    public void CrashLoopWaitsForTheBackOffSinceTheFinish()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var b = new BackOff(time, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));
        var finished = time.GetUtcNow();
        Assert.False(b.IsInBackOffSince("k", finished));   // the first restart is immediate
        b.Next("k", finished);
        finished = time.GetUtcNow();
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(b.IsInBackOffSince("k", finished));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(b.IsInBackOffSince("k", finished));
        Assert.Equal(finished + TimeSpan.FromSeconds(10), b.EndsAt("k", finished));
    }

    [Fact]
    public void ResetsAfterTwiceTheMaximumWithoutFailure()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var b = new BackOff(time, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));
        for (var i = 0; i < 5; i++)
        {
            b.Next("k", time.GetUtcNow());
        }

        Assert.Equal(TimeSpan.FromSeconds(160), b.Get("k"));
        time.Advance(TimeSpan.FromMinutes(11));   // ran for more than 10 minutes
        b.Next("k", time.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(10), b.Get("k"));
    }

    [Fact]
    public void ImagePullBackOffCountsFromTheLastFailure()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var b = new BackOff(time, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));
        Assert.False(b.IsInBackOffSinceUpdate("img"));
        b.Next("img", time.GetUtcNow());
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(b.IsInBackOffSinceUpdate("img"));
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(b.IsInBackOffSinceUpdate("img"));
        b.ResetPrefix("im");
        Assert.Equal(TimeSpan.Zero, b.Get("img"));
    }
}
