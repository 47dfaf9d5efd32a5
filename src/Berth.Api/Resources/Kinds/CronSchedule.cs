using System.Globalization;

namespace Berth.Api.Resources.Kinds;

/// <summary>
/// Validates a CronJob schedule the way Kubernetes does with robfig/cron's <c>ParseStandard</c>: five fields
/// (minute, hour, day of month, month, day of week) with <c>*</c>, <c>?</c>, lists, ranges, steps and
/// month/day names, or a descriptor (<c>@hourly</c>, <c>@every 1h30m</c>...). Returns robfig's error text, or null.
/// </summary>
internal static class CronSchedule
{
    private static readonly (string Name, int Min, int Max, string[]? Names)[] Fields =
    [
        ("minute", 0, 59, null),
        ("hour", 0, 23, null),
        ("day of month", 1, 31, null),
        ("month", 1, 12, ["", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
        ("day of week", 0, 6, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
    ];

    public static string? Problem(string schedule)
    {
        var spec = schedule.Trim();
        if (spec.Length == 0)
        {
            return "empty spec string";
        }

        if (spec.StartsWith("TZ=", StringComparison.Ordinal) || spec.StartsWith("CRON_TZ=", StringComparison.Ordinal))
        {
            var space = spec.IndexOf(' ', StringComparison.Ordinal);
            spec = space < 0 ? "" : spec[(space + 1)..].Trim();
        }

        if (spec.StartsWith('@'))
        {
            return Descriptor(spec);
        }

        var parts = spec.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 5)
        {
            return $"expected exactly 5 fields, found {parts.Length}: [{string.Join(" ", parts)}]";
        }

        for (var i = 0; i < 5; i++)
        {
            foreach (var expr in parts[i].Split(','))
            {
                if (Range(expr, Fields[i].Min, Fields[i].Max, Fields[i].Names) is { } problem)
                {
                    return problem;
                }
            }
        }

        return null;
    }

    private static string? Descriptor(string spec)
    {
        if (spec is "@yearly" or "@annually" or "@monthly" or "@weekly" or "@daily" or "@midnight" or "@hourly")
        {
            return null;
        }

        if (spec.StartsWith("@every ", StringComparison.Ordinal))
        {
            var d = spec["@every ".Length..].Trim();
            return GoDuration(d) ? null : $"failed to parse duration {spec}: time: invalid duration \"{d}\"";
        }

        return $"unrecognized descriptor: {spec}";
    }

    private static string? Range(string expr, int min, int max, string[]? names)
    {
        var slash = expr.Split('/');
        if (slash.Length > 2)
        {
            return $"too many slashes: {expr}";
        }

        var range = slash[0].Split('-');
        if (range.Length > 2)
        {
            return $"too many hyphens: {expr}";
        }

        int start, end;
        var singleDigit = false;
        if (range[0] is "*" or "?")
        {
            start = min;
            end = max;
        }
        else
        {
            if (Number(range[0], names, out start) is { } e1)
            {
                return e1;
            }

            if (range.Length == 2)
            {
                if (Number(range[1], names, out end) is { } e2)
                {
                    return e2;
                }
            }
            else
            {
                end = start;
                singleDigit = true;
            }
        }

        if (slash.Length == 2)
        {
            if (!int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out var step))
            {
                return $"failed to parse int from {slash[1]}: strconv.Atoi: parsing \"{slash[1]}\": invalid syntax";
            }

            if (step <= 0)
            {
                return $"step of range should be a positive number: {expr}";
            }

            if (singleDigit)
            {
                end = max;
            }
        }

        if (start < min)
        {
            return $"beginning of range ({start}) below minimum ({min}): {expr}";
        }

        if (end > max)
        {
            return $"end of range ({end}) above maximum ({max}): {expr}";
        }

        return start > end ? $"beginning of range ({start}) beyond end of range ({end}): {expr}" : null;
    }

    private static string? Number(string text, string[]? names, out int value)
    {
        if (names is not null && Array.IndexOf(names, text.ToLowerInvariant()) is >= 0 and var index && text.Length > 0)
        {
            value = index;
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return null;
        }

        return $"failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax";
    }

    /// <summary>Go's <c>time.ParseDuration</c> syntax: signed sequence of number+unit (ns, us, µs, ms, s, m, h).</summary>
    private static bool GoDuration(string d)
    {
        var s = d.TrimStart('+', '-');
        if (s == "0")
        {
            return true;
        }

        var i = 0;
        var any = false;
        while (i < s.Length)
        {
            var startNum = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (i == startNum)
            {
                return false;
            }

            var unit = new string(s.Skip(i).TakeWhile(c => !char.IsAsciiDigit(c) && c != '.').ToArray());
            if (unit is not ("ns" or "us" or "µs" or "ms" or "s" or "m" or "h"))
            {
                return false;
            }

            i += unit.Length;
            any = true;
        }

        return any;
    }
}
