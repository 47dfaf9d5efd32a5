using Berth.Controllers.Jobs;
using Xunit;

namespace Berth.Controllers.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class JobLogicTests
{
    [Theory]
    [InlineData(new int[0], "")]
    [InlineData(new[] { 0 }, "0")]
    [InlineData(new[] { 0, 1, 2 }, "0-2")]
    [InlineData(new[] { 7, 1, 3, 4, 5 }, "1,3-5,7")]
    [InlineData(new[] { 2, 2, 3 }, "2-3")]
    public void Completed_indexes_format(int[] indexes, string text) => Assert.Equal(text, CompletedIndexes.Format(indexes));

    [Fact]
    public void Completed_indexes_parse_back_and_drop_what_is_out_of_range()
    {
        Assert.Equal([1, 3, 4, 5, 7], CompletedIndexes.Parse("1,3-5,7", 10));
        Assert.Equal([1, 3], CompletedIndexes.Parse("1,3-5,7", 4));
        Assert.Equal([2], CompletedIndexes.Parse("x,5-3,2,-1", 10));
        Assert.Empty(CompletedIndexes.Parse(null, 3));
    }

    [Fact]
    public void Back_off_doubles_per_failure_and_is_capped()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var initial = TimeSpan.FromSeconds(10);
        var max = TimeSpan.FromMinutes(6);
        Assert.Equal(TimeSpan.Zero, JobBackoff.Remaining(0, t0, t0, initial, max));
        Assert.Equal(TimeSpan.FromSeconds(10), JobBackoff.Remaining(1, t0, t0, initial, max));
        Assert.Equal(TimeSpan.FromSeconds(17), JobBackoff.Remaining(2, t0, t0.AddSeconds(3), initial, max));
        Assert.Equal(TimeSpan.FromSeconds(40), JobBackoff.Remaining(3, t0, t0, initial, max));
        Assert.Equal(max, JobBackoff.Remaining(20, t0, t0, initial, max));
        Assert.Equal(TimeSpan.Zero, JobBackoff.Remaining(2, t0, t0.AddMinutes(1), initial, max));
    }
}
