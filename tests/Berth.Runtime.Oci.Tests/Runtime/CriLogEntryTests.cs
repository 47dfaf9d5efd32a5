using Berth.Runtime.Oci.Runtime;
using Xunit;

namespace Berth.Runtime.Oci.Tests.Runtime;

[Trait("Tier", "Unit")]
public sealed class CriLogEntryTests
{
    [Theory]
    [InlineData("2016-10-06T00:17:09.669794202Z", "2016-10-06T00:17:09.669794202Z")]
    [InlineData("2026-11-26T16:02:00.136768643+00:00", "2026-11-26T16:02:00.136768643Z")]
    [InlineData("2026-11-26T18:02:00.5+02:00", "2026-11-26T16:02:00.500000000Z")]
    [InlineData("2026-11-26T16:02:00Z", "2026-11-26T16:02:00.000000000Z")]
    [InlineData("2026-11-26T16:02:00.1234567891234Z", "2026-11-26T16:02:00.123456789Z")]
    public void TimestampsKeepNanosecondsAndNormalizeToUtc(string given, string formatted)
    {
        Assert.True(CriLogEntry.TryParseTimestamp(given, out var nanos));
        Assert.Equal(formatted, CriLogEntry.FormatTimestamp(nanos));
    }

    [Theory]
    [InlineData("2016-10-06 00:17:09Z")]
    [InlineData("yesterday")]
    [InlineData("2016-10-06T00:17:09.5+0200")]
    public void BadTimestampsAreRejected(string given) => Assert.False(CriLogEntry.TryParseTimestamp(given, out _));

    [Theory]
    [InlineData("2016-10-06T00:17:09.669794202Z stdout F hello world", "stdout", false, "hello world")]
    [InlineData("2016-10-06T00:17:09.669794202Z stderr P part", "stderr", true, "part")]
    [InlineData("2016-10-06T00:17:09.669794202Z stdout F ", "stdout", false, "")]
    [InlineData("2016-10-06T00:17:09.669794202Z stdout F", "stdout", false, "")]
    [InlineData("2016-10-06T00:17:09.669794202Z stdout F  two  spaces ", "stdout", false, " two  spaces ")]
    public void LinesParse(string line, string stream, bool partial, string content)
    {
        Assert.True(CriLogEntry.TryParseLine(line, out _, out var s, out var p, out var c));
        Assert.Equal(stream, s);
        Assert.Equal(partial, p);
        Assert.Equal(content, c);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a log line")]
    [InlineData("2016-10-06T00:17:09.669794202Z stdin F x")]
    public void GarbageIsSkipped(string line) => Assert.False(CriLogEntry.TryParseLine(line, out _, out _, out _, out _));

    [Fact]
    public void TimestampPropertyRoundTrips()
    {
        var now = new DateTimeOffset(2026, 11, 26, 16, 2, 0, 123, TimeSpan.Zero);
        var entry = new CriLogEntry(CriLogEntry.ToUnixNanos(now), "stdout", "x", true);
        Assert.Equal(now, entry.Timestamp);
        Assert.Equal("2026-11-26T16:02:00.123000000Z", entry.FormattedTimestamp);
    }
}
