using Berth.Controllers.CronJobs;
using Xunit;

namespace Berth.Controllers.Tests.Unit;

[Trait("Tier", "Unit")]
public sealed class CronScheduleTests
{
    private static DateTimeOffset At(string s) => DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("*/5 * * * *", "2026-03-01T10:02:00Z", "2026-03-01T10:05:00Z")]
    [InlineData("0 * * * *", "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z")]
    [InlineData("30 2 * * 1", "2026-03-01T00:00:00Z", "2026-03-02T02:30:00Z")]
    [InlineData("@hourly", "2026-03-01T10:59:59Z", "2026-03-01T11:00:00Z")]
    [InlineData("@daily", "2026-03-01T10:00:00Z", "2026-03-02T00:00:00Z")]
    [InlineData("0 0 1 */3 *", "2026-03-15T00:00:00Z", "2026-04-01T00:00:00Z")]
    public void Next_occurrence_in_utc(string schedule, string from, string next) =>
        Assert.Equal(At(next), CronSchedule.Parse(schedule, null).Next(At(from)));

    [Fact]
    public void Time_zone_moves_the_schedule()
    {
        // 09:00 in Tokyo (UTC+9) is 00:00 UTC.
        Assert.Equal(At("2026-03-02T00:00:00Z"), CronSchedule.Parse("0 9 * * *", "Asia/Tokyo").Next(At("2026-03-01T01:00:00Z")));
        Assert.Equal(At("2026-03-02T00:00:00Z"), CronSchedule.Parse("CRON_TZ=Asia/Tokyo 0 9 * * *", null).Next(At("2026-03-01T01:00:00Z")));
        // New York switches to daylight time on 2026-03-08: 09:00 is 14:00 UTC before, 13:00 UTC after.
        var ny = CronSchedule.Parse("0 9 * * *", "America/New_York");
        Assert.Equal(At("2026-03-07T14:00:00Z"), ny.Next(At("2026-03-07T00:00:00Z")));
        Assert.Equal(At("2026-03-09T13:00:00Z"), ny.Next(At("2026-03-08T14:00:00Z")));
    }

    [Fact]
    public void Bad_schedules_and_zones_are_reported()
    {
        Assert.Throws<FormatException>(() => CronSchedule.Parse("61 * * * *", null));
        Assert.Throws<FormatException>(() => CronSchedule.Parse("every minute", null));
        Assert.Throws<TimeZoneNotFoundException>(() => CronSchedule.Parse("* * * * *", "Mars/Olympus"));
    }

    [Fact]
    public void Most_recent_unmet_time_and_missed_count()
    {
        var s = CronSchedule.Parse("*/10 * * * *", null);
        var (recent, missed, next) = s.MostRecent(At("2026-03-01T10:00:00Z"), At("2026-03-01T10:35:00Z"));
        Assert.Equal(At("2026-03-01T10:30:00Z"), recent);
        Assert.Equal(3, missed);
        Assert.Equal(At("2026-03-01T10:40:00Z"), next);

        (recent, missed, next) = s.MostRecent(At("2026-03-01T10:30:00Z"), At("2026-03-01T10:35:00Z"));
        Assert.Null(recent);
        Assert.Equal(0, missed);
        Assert.Equal(At("2026-03-01T10:40:00Z"), next);

        // The time of a run itself counts (now inclusive), the earliest bound does not.
        (recent, _, _) = s.MostRecent(At("2026-03-01T10:30:00Z"), At("2026-03-01T10:40:00Z"));
        Assert.Equal(At("2026-03-01T10:40:00Z"), recent);
    }

    [Fact]
    public void Far_behind_reports_too_many_missed_but_still_the_latest()
    {
        var s = CronSchedule.Parse("* * * * *", null);
        var (recent, missed, _) = s.MostRecent(At("2026-03-01T00:00:00Z"), At("2026-03-01T05:00:30Z"));
        Assert.True(missed > CronSchedule.MaxMissed);
        Assert.Equal(At("2026-03-01T05:00:00Z"), recent);
    }

    [Fact]
    public void Job_names_are_minutes_since_the_epoch()
    {
        Assert.Equal("hello-29538720", CronJobController.JobName("hello", At("2026-03-01T00:00:00Z")));
        Assert.Equal("2026-03-01T09:00:00+09:00", CronJobController.Rfc3339(TimeZoneInfo.ConvertTime(At("2026-03-01T00:00:00Z"), TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo"))));
    }
}
