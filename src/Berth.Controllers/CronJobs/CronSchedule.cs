using Cronos;

namespace Berth.Controllers.CronJobs;

/// <summary>
/// A CronJob's schedule in its time zone (standard five-field cron, the <c>@hourly</c>-style macros, and a leading
/// <c>CRON_TZ=</c>/<c>TZ=</c> when <c>spec.timeZone</c> is not set), with the arithmetic of kube's
/// <c>mostRecentScheduleTime</c>: the latest schedule time after <c>earliest</c> (exclusive) and at or before
/// <c>now</c>, how many were missed, and the next one after <c>now</c>.
/// </summary>
public sealed class CronSchedule
{
    public const int MaxMissed = 100;

    private readonly CronExpression _expression;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        Zone = zone;
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>Parses a schedule; throws <see cref="FormatException"/> (bad expression) or <see cref="TimeZoneNotFoundException"/>.</summary>
    public static CronSchedule Parse(string schedule, string? timeZone)
    {
        var text = schedule.Trim();
        string? zoneName = timeZone;
        foreach (var prefix in new[] { "CRON_TZ=", "TZ=" })
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                var space = text.IndexOf(' ', StringComparison.Ordinal);
                zoneName ??= space < 0 ? text[prefix.Length..] : text[prefix.Length..space];
                text = space < 0 ? "" : text[(space + 1)..].Trim();
            }
        }

        var zone = string.IsNullOrEmpty(zoneName) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        try
        {
            return new CronSchedule(CronExpression.Parse(text, CronFormat.Standard), zone);
        }
        catch (CronFormatException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    public DateTimeOffset? Next(DateTimeOffset after) => _expression.GetNextOccurrence(after, Zone, inclusive: false);

    /// <summary>The most recent schedule time in (earliest, now], the number of schedule times in that range (capped just above <see cref="MaxMissed"/>), and the next after now.</summary>
    public (DateTimeOffset? MostRecent, int Missed, DateTimeOffset? Next) MostRecent(DateTimeOffset earliest, DateTimeOffset now)
    {
        DateTimeOffset? recent = null;
        var missed = 0;
        var t = Next(earliest);
        while (t is { } at && at <= now)
        {
            recent = at;
            missed++;
            if (missed > MaxMissed)
            {
                // Far behind: jump to the last occurrence before now instead of walking every one.
                var last = _expression.GetOccurrences(now.AddDays(-366), now, Zone, fromInclusive: false, toInclusive: true).LastOrDefault();
                recent = last == default ? recent : last;
                t = Next(now);
                break;
            }

            t = Next(at);
        }

        return (recent, missed, t is { } n && n > now ? n : Next(now));
    }
}
