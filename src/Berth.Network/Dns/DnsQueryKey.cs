using System.Buffers.Binary;

namespace Berth.Network.Dns;

/// <summary>
/// The wire-level checks of the UDP fast path (RFC 1035 §4.1): which queries may be answered from the answer cache,
/// and their cache key.
/// </summary>
internal static class DnsQueryKey
{
    /// <summary>Longest query the fast path looks at (a question plus an OPT record fit many times over).</summary>
    public const int MaxQueryLength = 1024;

    /// <summary>
    /// For a plain query (QR=0, opcode QUERY, not truncated, one question, no answer/authority records, at most one
    /// additional record — the EDNS OPT), writes its cache key to <paramref name="key"/>: the whole message after the
    /// ID with the question name lowercased (names compare case-insensitively, RFC 4343), and returns its length;
    /// <paramref name="questionEnd"/> is where the question section ends. Returns 0 for anything else (those queries
    /// take the full ARSoft path). Everything that can change the answer (flags, question, EDNS size and options) is
    /// part of the key, so equal keys get byte-identical answers apart from the ID and the question's letter case.
    /// </summary>
    public static int TryWrite(ReadOnlySpan<byte> query, Span<byte> key, out int questionEnd)
    {
        questionEnd = 0;
        if (query.Length < 17 || query.Length > MaxQueryLength || key.Length < query.Length - 2)
        {
            return 0;
        }

        var flags = query[2];
        if ((flags & 0x80) != 0 || (flags & 0x78) != 0 || (flags & 0x02) != 0)
        {
            return 0; // a response, an opcode other than QUERY, or truncated
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(query[4..]) != 1 || BinaryPrimitives.ReadUInt16BigEndian(query[6..]) != 0
            || BinaryPrimitives.ReadUInt16BigEndian(query[8..]) != 0 || BinaryPrimitives.ReadUInt16BigEndian(query[10..]) > 1)
        {
            return 0;
        }

        var i = 12;
        while (true)
        {
            if (i >= query.Length)
            {
                return 0;
            }

            int len = query[i];
            if (len == 0)
            {
                i++;
                break;
            }

            if (len > 63 || i + 1 + len > query.Length || i - 12 + 1 + len > 254)
            {
                return 0; // a compression pointer or a malformed label
            }

            i += 1 + len;
        }

        if (i + 4 > query.Length)
        {
            return 0;
        }

        questionEnd = i + 4;
        query[2..].CopyTo(key);
        for (var k = 12 - 2; k < i - 2; k++)
        {
            if (key[k] is >= (byte)'A' and <= (byte)'Z')
            {
                key[k] |= 0x20;
            }
        }

        return query.Length - 2;
    }

    /// <summary>Whether two question sections are equal but for ASCII letter case.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && (a[i] | 0x20) != (b[i] | 0x20))
            {
                return false;
            }
        }

        return true;
    }
}
