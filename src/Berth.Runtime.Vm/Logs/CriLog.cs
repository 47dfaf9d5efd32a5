using System.Globalization;
using System.Text;

namespace Berth.Runtime.Vm.Logs;

/// <summary>
/// The CRI container log format that kubelet and conmon write and <c>kubectl logs</c> reads:
/// <c>TIMESTAMP STREAM TAG CONTENT</c>, with an RFC 3339 timestamp with nanoseconds, stream
/// <c>stdout</c>, tag <c>F</c> (full line) or <c>P</c> (partial: continued by the next entry).
/// https://github.com/kubernetes/design-proposals-archive/blob/main/node/kubelet-cri-logging.md
/// </summary>
public static class CriLog
{
    /// <summary>Lines longer than this are split into partial entries (kubelet's 16 KiB buffer).</summary>
    public const int MaxEntryBytes = 16 * 1024;

    public static string Timestamp(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z";

    public static string Entry(DateTimeOffset at, bool partial, string content) =>
        $"{Timestamp(at)} stdout {(partial ? 'P' : 'F')} {content}\n";

    /// <summary>
    /// Splits console bytes into log entries. Complete lines (ending in \n; a trailing \r is
    /// dropped) become F entries; bytes after the last newline are returned as
    /// <paramref name="remainder"/> unless <paramref name="flushPartial"/>, in which case they
    /// become a P entry. Returns the entries and how many input bytes they consumed.
    /// </summary>
    public static (string Entries, int Consumed) Split(ReadOnlySpan<byte> data, DateTimeOffset at, bool flushPartial, out int remainder)
    {
        var sb = new StringBuilder();
        var consumed = 0;
        while (true)
        {
            var rest = data[consumed..];
            var nl = rest.IndexOf((byte)'\n');
            if (nl < 0)
            {
                break;
            }

            var line = rest[..nl];
            consumed += nl + 1;
            AppendLine(sb, at, line);
        }

        remainder = data.Length - consumed;
        if (remainder > MaxEntryBytes || (flushPartial && remainder > 0))
        {
            sb.Append(Entry(at, partial: true, Decode(data[consumed..])));
            consumed = data.Length;
            remainder = 0;
        }

        return (sb.ToString(), consumed);
    }

    private static void AppendLine(StringBuilder sb, DateTimeOffset at, ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        while (line.Length > MaxEntryBytes)
        {
            sb.Append(Entry(at, partial: true, Decode(line[..MaxEntryBytes])));
            line = line[MaxEntryBytes..];
        }

        sb.Append(Entry(at, partial: false, Decode(line)));
    }

    private static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes).Replace("\r", "", StringComparison.Ordinal);
}
