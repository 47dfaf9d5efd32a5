using System.Text;
using Berth.Runtime.Vm.Logs;

namespace Berth.Runtime.Vm.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class CriLogTests
{
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 11, 26, 16, 2, 0, TimeSpan.Zero).AddTicks(1367686);

    [Fact]
    public void Timestamp_is_rfc3339_with_nanoseconds_in_utc()
    {
        Assert.Equal("2026-11-26T16:02:00.136768600Z", CriLog.Timestamp(At));
        Assert.Equal("2026-11-26T16:02:00.136768600Z", CriLog.Timestamp(At.ToOffset(TimeSpan.FromHours(2))));
    }

    [Fact]
    public void Complete_lines_become_full_entries_and_carriage_returns_go()
    {
        var (entries, consumed) = CriLog.Split("boot\r\nready\nprompt # "u8, At, flushPartial: false, out var remainder);
        Assert.Equal(
            "2026-11-26T16:02:00.136768600Z stdout F boot\n2026-11-26T16:02:00.136768600Z stdout F ready\n", entries);
        Assert.Equal(12, consumed);
        Assert.Equal(9, remainder);
    }

    [Fact]
    public void A_trailing_partial_line_is_held_back_until_flushed_as_a_partial_entry()
    {
        var (held, consumed) = CriLog.Split("/ # "u8, At, flushPartial: false, out _);
        Assert.Equal(("", 0), (held, consumed));
        var (flushed, all) = CriLog.Split("/ # "u8, At, flushPartial: true, out var remainder);
        Assert.Equal("2026-11-26T16:02:00.136768600Z stdout P / # \n", flushed);
        Assert.Equal((4, 0), (all, remainder));
    }

    [Fact]
    public void Lines_longer_than_16_KiB_are_split_into_partial_entries()
    {
        var line = new string('x', CriLog.MaxEntryBytes + 10) + "\n";
        var (entries, _) = CriLog.Split(Encoding.UTF8.GetBytes(line), At, false, out _);
        var parts = entries.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, parts.Length);
        Assert.Contains(" stdout P ", parts[0], StringComparison.Ordinal);
        Assert.EndsWith(" stdout F xxxxxxxxxx", parts[1], StringComparison.Ordinal);
    }
}
