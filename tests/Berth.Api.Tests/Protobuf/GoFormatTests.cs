using Berth.Api.Protobuf;
using Xunit;

namespace Berth.Api.Tests.Protobuf;

[Trait("Tier", "Unit")]
public sealed class GoFormatTests
{
    // Expected strings are what Go's time.Duration.String() prints for the same values.
    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "1ns")]
    [InlineData(1_100L, "1.1µs")]
    [InlineData(2_200_000L, "2.2ms")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(60_000_000_000L, "1m0s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(5_400_000_000_001L, "1h30m0.000000001s")]
    [InlineData(-90_000_000_000L, "-1m30s")]
    [InlineData(long.MinValue, "-2562047h47m16.854775808s")]
    [InlineData(long.MaxValue, "2562047h47m16.854775807s")]
    public void DurationsPrintAsGoPrintsThem(long nanoseconds, string expected) =>
        Assert.Equal(expected, GoFormat.Duration(nanoseconds));

    [Fact]
    public void TimesAreRfc3339InUtcAndZeroIsNull()
    {
        Assert.Equal("2024-01-02T03:04:05Z", GoFormat.Time(1704164645));
        Assert.Equal("1970-01-01T00:00:00Z", GoFormat.Time(0));
        Assert.Equal("0001-01-01T00:00:01Z", GoFormat.Time(GoFormat.ZeroTimeUnixSeconds + 1));
        Assert.Null(GoFormat.Time(GoFormat.ZeroTimeUnixSeconds));
        Assert.Throws<ProtobufFormatException>(() => GoFormat.Time(long.MaxValue));
        Assert.Throws<ProtobufFormatException>(() => GoFormat.Time(GoFormat.ZeroTimeUnixSeconds - 1));
    }

    [Fact]
    public void MicroTimesTruncateToMicroseconds()
    {
        Assert.Equal("2024-01-02T03:04:05.123456Z", GoFormat.MicroTime(1704164645, 123_456_789));
        Assert.Equal("2024-01-02T03:04:04.999999Z", GoFormat.MicroTime(1704164645, -1_000));
        Assert.Equal("2024-01-02T03:04:05.000000Z", GoFormat.MicroTime(1704164645, -999)); // truncated toward zero
        Assert.Equal("2024-01-02T03:04:06.500000Z", GoFormat.MicroTime(1704164645, 1_500_000_000));
        Assert.Null(GoFormat.MicroTime(GoFormat.ZeroTimeUnixSeconds, 999));
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("100m", true)]
    [InlineData("1.5", true)]
    [InlineData("64Mi", true)]
    [InlineData("1e3", true)]
    [InlineData("-2G", true)]
    [InlineData(".5Ki", true)]
    [InlineData("", false)]
    [InlineData("Mi", false)]
    [InlineData("1 Mi", false)]
    [InlineData("1mi", false)]
    [InlineData("lots", false)]
    public void QuantitiesFollowTheKubernetesGrammar(string value, bool valid) =>
        Assert.Equal(valid, GoFormat.IsQuantity(value));
}
