using System.Globalization;

namespace Berth.Runtime.Oci.Runtime;

/// <summary>
/// One message of a CRI log file (https://github.com/kubernetes/design-proposals-archive/blob/main/node/kubelet-cri-logging.md):
/// <c>TIMESTAMP STREAM TAG CONTENT</c>, e.g. <c>2016-10-06T00:17:09.669794202Z stdout F hello</c>.
/// Partial lines (tag <c>P</c>) are joined with the following ones up to the full (<c>F</c>) line;
/// the message keeps the first part's timestamp. Timestamps keep nanosecond precision.
/// </summary>
public sealed record CriLogEntry(long UnixNanos, string Stream, string Text, bool Complete)
{
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(UnixNanos / 1_000_000).AddTicks(UnixNanos % 1_000_000 / 100);

    /// <summary>The kubelet's output format for <c>timestamps=true</c>: RFC 3339 in UTC with 9 fraction digits.</summary>
    public string FormattedTimestamp => FormatTimestamp(UnixNanos);

    public static string FormatTimestamp(long unixNanos)
    {
        var seconds = Math.DivRem(unixNanos, 1_000_000_000, out var nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += 1_000_000_000;
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)
            + "." + nanos.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    public static long ToUnixNanos(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    /// <summary>Parses one raw line (without its newline). Tag is P or F; content may be empty.</summary>
    public static bool TryParseLine(string line, out long unixNanos, out string stream, out bool partial, out string content)
    {
        unixNanos = 0;
        stream = "";
        partial = false;
        content = "";
        var s1 = line.IndexOf(' ');
        if (s1 <= 0 || !TryParseTimestamp(line.AsSpan(0, s1), out unixNanos))
        {
            return false;
        }

        var s2 = line.IndexOf(' ', s1 + 1);
        if (s2 < 0)
        {
            return false;
        }

        stream = line[(s1 + 1)..s2];
        if (stream is not ("stdout" or "stderr"))
        {
            return false;
        }

        var s3 = line.IndexOf(' ', s2 + 1);
        var tag = s3 < 0 ? line[(s2 + 1)..] : line[(s2 + 1)..s3];
        if (tag is not ("P" or "F"))
        {
            // Older writers had no tag: the rest is content of a full line.
            content = line[(s2 + 1)..];
            return true;
        }

        partial = tag == "P";
        content = s3 < 0 ? "" : line[(s3 + 1)..];
        return true;
    }

    /// <summary>RFC 3339 with up to 9 fraction digits and Z or ±hh:mm (conmon writes +00:00).</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> text, out long unixNanos)
    {
        unixNanos = 0;
        if (text.Length < 20)
        {
            return false;
        }

        if (!DateTime.TryParseExact(text[..19], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var whole))
        {
            return false;
        }

        var rest = text[19..];
        long nanos = 0;
        if (rest.Length > 0 && rest[0] == '.')
        {
            var i = 1;
            var digits = 0;
            while (i < rest.Length && char.IsAsciiDigit(rest[i]))
            {
                if (digits < 9)
                {
                    nanos = (nanos * 10) + (rest[i] - '0');
                    digits++;
                }

                i++;
            }

            for (; digits < 9; digits++)
            {
                nanos *= 10;
            }

            rest = rest[i..];
        }

        long offsetSeconds;
        if (rest is "Z" or "z")
        {
            offsetSeconds = 0;
        }
        else if (rest.Length == 6 && (rest[0] == '+' || rest[0] == '-')
            && int.TryParse(rest[1..3], NumberStyles.None, CultureInfo.InvariantCulture, out var hh)
            && int.TryParse(rest[4..6], NumberStyles.None, CultureInfo.InvariantCulture, out var mm))
        {
            offsetSeconds = ((hh * 3600) + (mm * 60)) * (rest[0] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        var seconds = new DateTimeOffset(whole, TimeSpan.Zero).ToUnixTimeSeconds() - offsetSeconds;
        unixNanos = (seconds * 1_000_000_000) + nanos;
        return true;
    }
}
