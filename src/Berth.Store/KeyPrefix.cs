namespace Berth.Store;

/// <summary>
/// Prefix ranges over keys. A prefix <c>P</c> selects the keys <c>K</c> with <c>P ≤ K &lt; RangeEnd(P)</c>
/// in ordinal order, the way etcd turns a prefix into <c>[key, range_end)</c>
/// (clientv3 <c>GetPrefixRangeEnd</c>). Ordinal UTF-16 order and UTF-8 byte order (SQLite's BINARY
/// collation, etcd's byte keys) agree for every character outside the surrogate range, so prefixes
/// ending in a surrogate or U+FFFF are refused.
/// </summary>
internal static class KeyPrefix
{
    /// <summary>The smallest string greater than every key starting with <paramref name="prefix"/>; null for the empty prefix (no upper bound).</summary>
    public static string? RangeEnd(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0)
        {
            return null;
        }

        var last = prefix[^1];
        if (char.IsSurrogate(last) || last == char.MaxValue)
        {
            throw new ArgumentException($"a key prefix may not end in U+{(int)last:X4}", nameof(prefix));
        }

        // U+D7FF + 1 would be a surrogate; U+E000 is the next scalar value and sorts after it in UTF-8 too.
        var next = last == '\uD7FF' ? '\uE000' : (char)(last + 1);
        return string.Concat(prefix.AsSpan(0, prefix.Length - 1), new ReadOnlySpan<char>(in next));
    }

    /// <summary>The etcd range end of a byte prefix: the prefix with its last byte below 0xFF incremented and what follows dropped; empty (= no end) when none.</summary>
    public static byte[] RangeEnd(ReadOnlySpan<byte> prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] < 0xFF)
            {
                var end = prefix[..(i + 1)].ToArray();
                end[i]++;
                return end;
            }
        }

        // All 0xFF (or empty): etcd's "\0" range end means "to the end of the key space".
        return [0];
    }
}
