using System.Globalization;
using System.Text;

namespace Berth.Controllers.Jobs;

/// <summary>
/// The interval notation of <c>status.completedIndexes</c> (and <c>failedIndexes</c>): sorted, comma-separated
/// single indexes and inclusive ranges, e.g. <c>1,3-5,7</c> (pkg/controller/job/indexed_job_utils.go).
/// </summary>
public static class CompletedIndexes
{
    public static string Format(IEnumerable<int> indexes)
    {
        var sorted = indexes.Distinct().Order().ToList();
        var sb = new StringBuilder();
        for (var i = 0; i < sorted.Count;)
        {
            var start = sorted[i];
            var end = start;
            while (i + 1 < sorted.Count && sorted[i + 1] == end + 1)
            {
                end = sorted[++i];
            }

            i++;
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(start.ToString(CultureInfo.InvariantCulture));
            if (end > start)
            {
                sb.Append('-').Append(end.ToString(CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>The indexes of an interval string below <paramref name="completions"/>; malformed parts are skipped.</summary>
    public static SortedSet<int> Parse(string? text, int completions)
    {
        var set = new SortedSet<int>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bounds = part.Split('-');
            if (bounds.Length > 2
                || !int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                || !int.TryParse(bounds[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var to)
                || to < from)
            {
                continue;
            }

            for (var i = from; i <= Math.Min(to, completions - 1); i++)
            {
                set.Add(i);
            }
        }

        return set;
    }
}
