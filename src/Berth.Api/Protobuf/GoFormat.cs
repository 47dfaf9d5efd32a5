using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Berth.Api.Protobuf;

/// <summary>The JSON forms that Go gives the Kubernetes time, duration and quantity types.</summary>
public static partial class GoFormat
{
    /// <summary>Go's zero time.Time (January 1, year 1, 00:00:00 UTC) in Unix seconds.</summary>
    public const long ZeroTimeUnixSeconds = -62135596800;

    private const long MaxUnixSeconds = 253402300799; // 9999-12-31T23:59:59Z

    /// <summary>
    /// metav1.Time as JSON: <c>null</c> for Go's zero time, else RFC 3339 in UTC to the second
    /// (<c>2024-01-02T03:04:05Z</c>), as metav1.Time.MarshalJSON writes it.
    /// </summary>
    public static string? Time(long unixSeconds)
    {
        if (unixSeconds == ZeroTimeUnixSeconds)
        {
            return null;
        }

        return ToDateTime(unixSeconds, 0).ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// metav1.MicroTime as JSON: <c>null</c> for the zero time, else RFC 3339 with 6 fractional digits
    /// (<c>2024-01-02T03:04:05.123456Z</c>); nanoseconds are truncated to microseconds, as MicroTime.Unmarshal does.
    /// </summary>
    public static string? MicroTime(long unixSeconds, int nanos)
    {
        var micros = nanos - (nanos % 1000);
        var seconds = unixSeconds + (micros / 1_000_000_000);
        var rest = micros % 1_000_000_000;
        if (rest < 0)
        {
            rest += 1_000_000_000;
            seconds--;
        }

        if (seconds == ZeroTimeUnixSeconds && rest == 0)
        {
            return null;
        }

        return ToDateTime(seconds, rest).ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Go's time.Duration.String(): <c>1h0m0s</c>, <c>1.5s</c>, <c>300ms</c>, <c>1µs</c>, <c>0s</c>.</summary>
    public static string Duration(long nanoseconds)
    {
        // A port of time.Duration.format (https://cs.opensource.google/go/go/+/refs/tags/go1.23.0:src/time/time.go):
        // digits are produced from the right, fractions without trailing zeros.
        var u = nanoseconds < 0 ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        var sb = new StringBuilder(32);
        if (u < 1_000_000_000)
        {
            int prec;
            string unit;
            if (u == 0)
            {
                return "0s";
            }
            else if (u < 1_000)
            {
                prec = 0;
                unit = "ns";
            }
            else if (u < 1_000_000)
            {
                prec = 3;
                unit = "µs";
            }
            else
            {
                prec = 6;
                unit = "ms";
            }

            u = Fraction(sb, u, prec);
            sb.Insert(0, u.ToString(CultureInfo.InvariantCulture));
            sb.Append(unit);
        }
        else
        {
            u = Fraction(sb, u, 9);
            sb.Insert(0, (u % 60).ToString(CultureInfo.InvariantCulture));
            sb.Append('s');
            u /= 60;
            if (u > 0)
            {
                sb.Insert(0, (u % 60).ToString(CultureInfo.InvariantCulture) + "m");
                u /= 60;
                if (u > 0)
                {
                    sb.Insert(0, u.ToString(CultureInfo.InvariantCulture) + "h");
                }
            }
        }

        if (nanoseconds < 0)
        {
            sb.Insert(0, '-');
        }

        return sb.ToString();
    }

    /// <summary>
    /// Whether a string is a Kubernetes quantity
    /// (https://github.com/kubernetes/apimachinery/blob/master/pkg/api/resource/quantity.go, the grammar in
    /// the Quantity comment): a signed decimal number and a suffix (Ki..Ei, m, k, M..E, or e/E and an exponent).
    /// </summary>
    public static bool IsQuantity(string value) => QuantityRegex().IsMatch(value);

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantityRegex();

    /// <summary>Writes the fraction of v/10^prec (".5", nothing when 0) at the start of sb; returns v/10^prec.</summary>
    private static ulong Fraction(StringBuilder sb, ulong v, int prec)
    {
        var digits = new StringBuilder(prec);
        var print = false;
        for (var i = 0; i < prec; i++)
        {
            var digit = v % 10;
            print = print || digit != 0;
            if (print)
            {
                digits.Insert(0, (char)('0' + (int)digit));
            }

            v /= 10;
        }

        if (print)
        {
            sb.Insert(0, "." + digits);
        }

        return v;
    }

    private static DateTime ToDateTime(long unixSeconds, long nanos)
    {
        if (unixSeconds is < ZeroTimeUnixSeconds or > MaxUnixSeconds)
        {
            throw new ProtobufFormatException($"time {unixSeconds} (Unix seconds) is outside years 1-9999");
        }

        return DateTime.UnixEpoch.AddSeconds(unixSeconds).AddTicks(nanos / 100);
    }
}
